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

  for (let v = 0; v < selection.views.length; v++) {
    fillView(selection.views[v] as ViewRead, records[v] as (OnlineRecord | undefined)[], columns, slotOf, now);
  }
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

// One pass decides each row's state (0 missing, 1 fresh, 2 stale); then each feature column is filled in
// a tight loop over plain arrays allocated at their final length.
function fillView(
  read: ViewRead,
  found: readonly (OnlineRecord | undefined)[],
  columns: Columns,
  slotOf: ReadonlyMap<string, number>,
  now: number,
): void {
  const n = found.length;
  const { ttl, stalePolicy, name } = read.view;
  const states = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const record = found[i];
    if (record === undefined) continue;
    if (ttl > 0 && record.eventTime < now - ttl) {
      if (stalePolicy === "error") {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          `entityRows.${i}: the online value of view "${name}" is older than its ttl`,
          { details: { view: name, row: i, eventTime: record.eventTime, ttl, now } },
        );
      }
      states[i] = 2;
    } else states[i] = 1;
  }
  // Statuses and event times are the same for every feature of a row but NULL_VALUE: each column starts
  // as a copy (a block copy, far cheaper than per-element stores) and only null values are patched.
  const baseStatuses = new Array<FeatureStatus>(n);
  const baseEventTimes = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const state = states[i];
    baseStatuses[i] = state === 0 ? "NOT_FOUND" : state === 2 ? "STALE" : "PRESENT";
    baseEventTimes[i] = state === 0 ? null : (found[i] as OnlineRecord).eventTime;
  }
  const nullWhenStale = stalePolicy === "null";
  const outputs = read.outputs;
  for (let k = 0; k < outputs.length; k++) {
    const output = outputs[k] as (typeof outputs)[number];
    const field = output.field;
    const slot = slotOf.get(output.name) as number;
    const values = new Array<unknown>(n);
    const statuses = baseStatuses.slice();
    for (let i = 0; i < n; i++) {
      const state = states[i];
      if (state === 1) {
        const value = (found[i] as OnlineRecord).values[field] ?? null;
        values[i] = value;
        if (value === null) statuses[i] = "NULL_VALUE";
      } else {
        values[i] = state === 0 || nullWhenStale ? null : ((found[i] as OnlineRecord).values[field] ?? null);
      }
    }
    columns.values[slot] = values;
    columns.statuses[slot] = statuses;
    columns.eventTimes[slot] = baseEventTimes.slice();
  }
}

// Answers are gathered by column slot, then shaped as columns or as rows; rows
// are built by the selection's compiled builder, one object literal each.
function collector(
  n: number,
  selection: Selection,
  columnar: boolean,
): { columns: Columns; finish: () => OnlineFeatures } {
  const { featureNames } = selection;
  // Columns of views are set by fillView; those of on-demand views are allocated here.
  const values: unknown[][] = new Array(featureNames.length);
  const statuses: FeatureStatus[][] = new Array(featureNames.length);
  const eventTimes: (number | null)[][] = new Array(featureNames.length);
  for (const odfv of selection.onDemand) {
    for (const output of odfv.outputs) {
      const slot = featureNames.indexOf(output.name);
      values[slot] = new Array(n);
      statuses[slot] = new Array(n);
      eventTimes[slot] = new Array(n);
    }
  }
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
