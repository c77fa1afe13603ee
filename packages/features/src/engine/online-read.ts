import { MlstackError } from "@mlstack/core";
import type { FeatureStatus, OnlineColumn, OnlineFeatures, OnlineRequest, OnlineRow, Row } from "../spec.js";
import type { OnlineRecord } from "../storage/spec.js";
import { computeOnDemand } from "./compute-on-demand.js";
import type { EngineContext } from "./context.js";
import type { Selection, ViewRead } from "./feature-selection.js";

/** The answer by column slot (a feature's position in `featureNames`). */
interface Columns {
  readonly values: unknown[][];
  readonly statuses: FeatureStatus[][];
  readonly eventTimes: (number | null)[][];
}

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
  const { columns, finish } = collector(rows.length, selection, request.columnar ?? false);
  const slotOf = new Map(selection.featureNames.map((name, i) => [name, i]));
  const isStale = (read: ViewRead, record: OnlineRecord) => read.view.ttl > 0 && record.eventTime < now - read.view.ttl;

  selection.views.forEach((read, v) => {
    const found = records[v] as (OnlineRecord | undefined)[];
    // One pass decides each row's state; then each feature column is filled in a tight loop.
    const stale = found.map((record, i) => {
      if (record === undefined || !isStale(read, record)) return false;
      if (read.view.stalePolicy === "error") {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          `entityRows.${i}: the online value of view "${read.view.name}" is older than its ttl`,
          { details: { view: read.view.name, row: i, eventTime: record.eventTime, ttl: read.view.ttl, now } },
        );
      }
      return true;
    });
    const nullWhenStale = read.view.stalePolicy === "null";
    for (const output of read.outputs) {
      const slot = slotOf.get(output.name) as number;
      const values = columns.values[slot] as unknown[];
      const statuses = columns.statuses[slot] as FeatureStatus[];
      const eventTimes = columns.eventTimes[slot] as (number | null)[];
      for (let i = 0; i < rows.length; i++) {
        const record = found[i];
        if (record === undefined) {
          values[i] = null;
          statuses[i] = "NOT_FOUND";
          eventTimes[i] = null;
          continue;
        }
        const value = record.values[output.field] ?? null;
        eventTimes[i] = record.eventTime;
        if (stale[i]) {
          values[i] = nullWhenStale ? null : value;
          statuses[i] = "STALE";
        } else {
          values[i] = value;
          statuses[i] = value === null ? "NULL_VALUE" : "PRESENT";
        }
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
        const slot = slotOf.get(output.name) as number;
        (columns.values[slot] as unknown[])[i] = value;
        (columns.statuses[slot] as FeatureStatus[])[i] = value === null ? "NULL_VALUE" : "PRESENT";
        (columns.eventTimes[slot] as (number | null)[])[i] = null;
      }
    }
  }
  return finish();
}

// Answers are gathered by column slot, then shaped as columns or as rows; rows
// are built by the selection's compiled builder, one object literal each.
function collector(
  n: number,
  selection: Selection,
  columnar: boolean,
): { columns: Columns; finish: () => OnlineFeatures } {
  const { featureNames } = selection;
  const values = featureNames.map(() => new Array<unknown>(n));
  const statuses = featureNames.map(() => new Array<FeatureStatus>(n));
  const eventTimes = featureNames.map(() => new Array<number | null>(n));
  const finish = (): OnlineFeatures => {
    if (columnar) {
      const columns: Record<string, OnlineColumn> = {};
      featureNames.forEach((name, f) => {
        columns[name] = {
          values: values[f] as unknown[],
          statuses: statuses[f] as FeatureStatus[],
          eventTimes: eventTimes[f] as (number | null)[],
        };
      });
      return { featureNames, columns };
    }
    const build = selection.recordBuilder;
    const rows: OnlineRow[] = new Array(n);
    for (let i = 0; i < n; i++) {
      rows[i] = {
        values: build(EMPTY, values, i),
        statuses: build(EMPTY, statuses, i) as Record<string, FeatureStatus>,
        eventTimes: build(EMPTY, eventTimes, i) as Record<string, number | null>,
      };
    }
    return { featureNames, rows };
  };
  return { columns: { values, statuses, eventTimes }, finish };
}

const EMPTY: Row = Object.freeze({});
