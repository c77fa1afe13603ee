import { MlstackError } from "@mlstack/core";
import type { FeatureStatus, OnlineColumn, OnlineFeatures, OnlineRequest, OnlineRow, Row } from "../spec.js";
import type { OnlineRecord } from "../storage/spec.js";
import { computeOnDemand } from "./compute-on-demand.js";
import type { EngineContext } from "./context.js";
import type { ViewRead } from "./feature-selection.js";

type Put = (row: number, name: string, value: unknown, status: FeatureStatus, eventTime: number | null) => void;

/**
 * Online reads with statuses. A value older than the view's ttl at the Clock's now is `STALE` and the
 * view's stale policy decides what is returned; on-demand views always see the ttl-valid value (null
 * when stale), as historical retrieval does, so both give identical results.
 */
export async function readOnlineFeatures(ctx: EngineContext, request: OnlineRequest): Promise<OnlineFeatures> {
  const selection = await ctx.select(request);
  const rows = request.entityRows;
  rows.forEach((row, i) => {
    if (typeof row !== "object" || row === null) {
      throw new MlstackError("INVALID_ARGUMENT", `entityRows.${i}: expected an object`, {
        details: { path: `entityRows.${i}` },
      });
    }
  });
  for (const read of selection.views) {
    if (!read.view.online) {
      throw new MlstackError("FAILED_PRECONDITION", `feature view "${read.view.name}" is not online`, {
        details: { view: read.view.name },
      });
    }
  }
  const records = await Promise.all(
    selection.views.map((read) =>
      ctx.storage.readOnline(
        read.layout,
        rows.map((row, i) => read.keyOf(row, "entityRows", i)),
      ),
    ),
  );
  const now = ctx.clock.now();
  const { put, result } = collector(rows.length, selection.featureNames, request.columnar ?? false);
  const isStale = (read: ViewRead, record: OnlineRecord) => read.view.ttl > 0 && record.eventTime < now - read.view.ttl;

  selection.views.forEach((read, v) => {
    const found = records[v] as (OnlineRecord | undefined)[];
    for (let i = 0; i < rows.length; i++) {
      const record = found[i];
      if (record === undefined) {
        for (const output of read.outputs) put(i, output.name, null, "NOT_FOUND", null);
        continue;
      }
      const stale = isStale(read, record);
      if (stale && read.view.stalePolicy === "error") {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          `entityRows.${i}: the online value of view "${read.view.name}" is older than its ttl`,
          { details: { view: read.view.name, row: i, eventTime: record.eventTime, ttl: read.view.ttl, now } },
        );
      }
      for (const output of read.outputs) {
        const value = record.values[output.field] ?? null;
        if (stale) put(i, output.name, read.view.stalePolicy === "null" ? null : value, "STALE", record.eventTime);
        else put(i, output.name, value, value === null ? "NULL_VALUE" : "PRESENT", record.eventTime);
      }
    }
  });
  for (const odfv of selection.onDemand) {
    for (let i = 0; i < rows.length; i++) {
      const values = computeOnDemand(odfv, rows[i] as Row, `entityRows.${i}`, (input) => {
        const record = (records[selection.views.indexOf(input.read)] as (OnlineRecord | undefined)[])[i];
        return record === undefined || isStale(input.read, record) ? null : (record.values[input.field] ?? null);
      });
      for (const output of odfv.outputs) {
        const value = values[output.field];
        put(i, output.name, value, value === null ? "NULL_VALUE" : "PRESENT", null);
      }
    }
  }
  return result;
}

function collector(
  n: number,
  featureNames: readonly string[],
  columnar: boolean,
): { put: Put; result: OnlineFeatures } {
  if (columnar) {
    const columns: Record<string, OnlineColumn> = {};
    for (const name of featureNames) {
      columns[name] = { values: new Array(n), statuses: new Array(n), eventTimes: new Array(n) };
    }
    return {
      put: (row, name, value, status, eventTime) => {
        const column = columns[name] as OnlineColumn;
        column.values[row] = value;
        column.statuses[row] = status;
        column.eventTimes[row] = eventTime;
      },
      result: { featureNames, columns },
    };
  }
  const rows: OnlineRow[] = Array.from({ length: n }, () => ({ values: {}, statuses: {}, eventTimes: {} }));
  return {
    put: (row, name, value, status, eventTime) => {
      const r = rows[row] as OnlineRow;
      r.values[name] = value;
      r.statuses[name] = status;
      r.eventTimes[name] = eventTime;
    },
    result: { featureNames, rows },
  };
}
