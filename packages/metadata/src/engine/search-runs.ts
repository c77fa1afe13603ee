import { parseInput } from "@mlstack/core";
import { searchRunsSchema } from "../schemas.js";
import type { Page, Run, SearchRunsInput } from "../spec.js";
import type { EngineContext } from "./context.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { DEFAULT_RUN_ORDER } from "./run-filter.js";

/**
 * One page of runs of the given experiments that match the filter, in the requested order followed by
 * start time descending and run id ascending (a total order, so paging is stable).
 */
export async function searchRuns(ctx: EngineContext, input: SearchRunsInput): Promise<Page<Run>> {
  const q = parseInput(searchRunsSchema, input, "run search");
  const pageSize = q.pageSize ?? 100;
  const orderBy = [
    ...(q.orderBy ?? []).map((o) => ({ field: o.field, direction: o.direction ?? "asc" })),
    ...DEFAULT_RUN_ORDER,
  ];
  const fingerprint = { e: q.experimentIds, f: q.filter, o: orderBy, l: q.lifecycle ?? "active" };
  const offset = decodePageToken(fingerprint, q.pageToken);
  const { ids, runs } = await ctx.storage.read(async (tx) => {
    const ids = await tx.searchRuns({
      experimentIds: q.experimentIds,
      lifecycle: q.lifecycle ?? "active",
      ...(q.filter ? { filter: q.filter } : {}),
      orderBy,
      offset,
      limit: pageSize + 1,
    });
    return { ids, runs: await tx.getRuns(ids.slice(0, pageSize)) };
  });
  return ids.length > pageSize
    ? { items: runs, nextPageToken: encodePageToken(fingerprint, offset + pageSize) }
    : { items: runs };
}
