import { MlstackError } from "@mlstack/core";
import type { RegistrySnapshot } from "../spec.js";
import { PagedNumbers } from "./paged-numbers.js";
import type {
  FeatureStorage,
  OfflineBatch,
  OfflineScan,
  OfflineSegment,
  OnlineRecord,
  OnlineWriteResult,
  StoredRegistry,
  TimeRange,
  ValueColumn,
  ViewLayout,
} from "./spec.js";
import { chainDigest, EMPTY_DIGEST, isNumericField } from "./spec.js";

// A numeric column is one slot of the base's row-major number matrix (nulls flagged in a mask allocated on
// the first null); other columns are plain arrays.
type DenseColumn = { slot: number; nulls: Uint8Array | undefined } | unknown[];

// Rows ordered by (key id, event time, created time, ingestion order) in contiguous arrays: the run of
// key id k is positions offsets[k] to offsets[k + 1] - 1. Never mutated once built.
interface Base {
  readonly runs: number;
  readonly offsets: Int32Array;
  readonly eventTime: Float64Array;
  readonly createdTime: Float64Array;
  // The numeric features row by row (`stride` per row), so reading a row's features touches one cache line.
  readonly numbers: Float64Array;
  readonly stride: number;
  readonly columns: readonly DenseColumn[];
}

// Rows appended since the base was built, in paged columns, with one ordered run of row ids per key.
interface Delta {
  readonly eventTime: PagedNumbers;
  readonly createdTime: PagedNumbers;
  readonly columns: (PagedNumbers | unknown[])[];
  readonly runs: ({ ids: Int32Array; n: number } | undefined)[];
  rows: number;
}

interface OfflineView {
  readonly fields: ViewLayout["fields"];
  readonly keyIds: Map<string, number>;
  readonly keys: string[];
  base: Base;
  delta: Delta;
  digest: string;
}

const EMPTY_REGISTRY: RegistrySnapshot = Object.freeze({
  entities: [],
  featureViews: [],
  featureServices: [],
  onDemandFeatureViews: [],
});

/**
 * The in-memory storage. Offline rows are kept in (key, event time) order: appends land in a delta whose
 * per-key runs stay ordered as rows arrive, and the first scan after an append merges the delta into
 * contiguous ordered arrays (a linear merge, never a sort), which later scans hand out without copying.
 * Online values live in maps. Everything is lost when the process ends.
 */
export class MemoryFeatureStorage implements FeatureStorage {
  #registry: StoredRegistry = { version: 0, snapshot: EMPTY_REGISTRY };
  readonly #offline = new Map<string, OfflineView>();
  readonly #online = new Map<string, Map<string, OnlineRecord>>();
  readonly #watermarks = new Map<string, number>();

  async readRegistry(): Promise<StoredRegistry> {
    return this.#registry;
  }

  async registryVersion(): Promise<number> {
    return this.#registry.version;
  }

  async commitRegistry(next: RegistrySnapshot, expectedVersion: number, dropViews: readonly string[]): Promise<void> {
    if (this.#registry.version !== expectedVersion) {
      throw new MlstackError("CONFLICT", "the registry changed while this apply was being planned; apply again", {
        details: { expectedVersion, version: this.#registry.version },
      });
    }
    for (const view of dropViews) {
      this.#offline.delete(view);
      this.#online.delete(view);
      this.#watermarks.delete(view);
    }
    this.#registry = { version: expectedVersion + 1, snapshot: next };
  }

  async appendOffline(layout: ViewLayout, batch: OfflineBatch): Promise<void> {
    const view = this.#view(layout);
    const delta = view.delta;
    const { keys, eventTimes, createdTimes, columns } = batch;
    for (let i = 0; i < keys.length; i++) {
      const row = delta.rows++;
      const event = eventTimes[i] as number;
      const created = createdTimes[i] as number;
      delta.eventTime.push(event);
      delta.createdTime.push(created);
      for (let c = 0; c < columns.length; c++) {
        const column = delta.columns[c] as PagedNumbers | unknown[];
        const value = (columns[c] as readonly unknown[])[i];
        if (column instanceof PagedNumbers) column.push(value as number | null);
        else column.push(value);
      }
      insertIntoRun(delta, keyId(view, keys[i] as string), row, event, created);
    }
    view.digest = chainDigest(view.digest, batch.digest);
  }

  async scanOffline(layout: ViewLayout, range?: TimeRange): Promise<OfflineScan> {
    const view = this.#offline.get(layout.name);
    if (view === undefined) return { digest: EMPTY_DIGEST, segments: async function* () {} };
    if (view.delta.rows > 0) compact(view);
    const segment = range === undefined ? wholeSegment(view) : rangeSegment(view, range);
    return {
      digest: view.digest,
      segments: async function* () {
        yield segment;
      },
    };
  }

  async writeOnline(layout: ViewLayout, records: readonly OnlineRecord[]): Promise<OnlineWriteResult> {
    let table = this.#online.get(layout.name);
    if (table === undefined) this.#online.set(layout.name, (table = new Map()));
    let written = 0;
    for (const record of records) {
      const stored = table.get(record.key);
      if (stored !== undefined && record.eventTime <= stored.eventTime) continue;
      table.set(record.key, record);
      written++;
    }
    return { written, ignored: records.length - written };
  }

  async readOnline(layout: ViewLayout, keys: readonly string[]): Promise<(OnlineRecord | undefined)[]> {
    const table = this.#online.get(layout.name);
    return keys.map((key) => table?.get(key));
  }

  async getWatermark(view: string): Promise<number | undefined> {
    return this.#watermarks.get(view);
  }

  async setWatermark(view: string, end: number): Promise<void> {
    this.#watermarks.set(view, end);
  }

  async close(): Promise<void> {}

  #view(layout: ViewLayout): OfflineView {
    let view = this.#offline.get(layout.name);
    if (view === undefined) {
      view = {
        fields: layout.fields,
        keyIds: new Map(),
        keys: [],
        base: {
          runs: 0,
          offsets: new Int32Array(1),
          eventTime: new Float64Array(0),
          createdTime: new Float64Array(0),
          numbers: new Float64Array(0),
          stride: layout.fields.filter(isNumericField).length,
          columns: numericSlots(layout.fields).map((slot) => (slot < 0 ? [] : { slot, nulls: undefined })),
        },
        delta: emptyDelta(layout),
        digest: EMPTY_DIGEST,
      };
      this.#offline.set(layout.name, view);
    }
    return view;
  }
}

function emptyDelta(layout: Pick<ViewLayout, "fields">): Delta {
  return {
    eventTime: new PagedNumbers(),
    createdTime: new PagedNumbers(),
    columns: layout.fields.map((f) => (isNumericField(f) ? new PagedNumbers() : [])),
    runs: [],
    rows: 0,
  };
}

function keyId(view: OfflineView, key: string): number {
  let id = view.keyIds.get(key);
  if (id === undefined) {
    id = view.keys.length;
    view.keyIds.set(key, id);
    view.keys.push(key);
  }
  return id;
}

// Rows mostly arrive in time order, so the insertion point is found walking back from the end.
function insertIntoRun(delta: Delta, key: number, row: number, event: number, created: number): void {
  let run = delta.runs[key];
  if (run === undefined) delta.runs[key] = run = { ids: new Int32Array(4), n: 0 };
  if (run.n === run.ids.length) {
    const grown = new Int32Array(run.ids.length * 2);
    grown.set(run.ids);
    run.ids = grown;
  }
  let at = run.n;
  while (at > 0) {
    const prev = run.ids[at - 1] as number;
    const e = delta.eventTime.get(prev);
    if (e < event || (e === event && delta.createdTime.get(prev) <= created)) break;
    at--;
  }
  run.ids.copyWithin(at + 1, at, run.n);
  run.ids[at] = row;
  run.n++;
}

// Merges the delta into a new base, run by run. On equal (event, created) the base row goes first: it
// was ingested earlier. Columns are gathered one at a time so only one extra column is alive at once.
function compact(view: OfflineView): void {
  const { base, delta } = view;
  const runs = view.keys.length;
  const total = base.eventTime.length + delta.rows;
  const plan = new Int32Array(total); // >= 0: base position; < 0: ~delta row
  const offsets = new Int32Array(runs + 1);
  let pos = 0;
  for (let k = 0; k < runs; k++) {
    offsets[k] = pos;
    let i = k < base.runs ? (base.offsets[k] as number) : 0;
    const end = k < base.runs ? (base.offsets[k + 1] as number) : 0;
    const run = delta.runs[k];
    let j = 0;
    const n = run?.n ?? 0;
    while (i < end && j < n) {
      const d = (run as { ids: Int32Array }).ids[j] as number;
      const be = base.eventTime[i] as number;
      const de = delta.eventTime.get(d);
      if (be < de || (be === de && (base.createdTime[i] as number) <= delta.createdTime.get(d))) plan[pos++] = i++;
      else {
        plan[pos++] = ~d;
        j++;
      }
    }
    while (i < end) plan[pos++] = i++;
    while (j < n) plan[pos++] = ~((run as { ids: Int32Array }).ids[j++] as number);
  }
  offsets[runs] = pos;
  const gatherNumbers = (from: Float64Array, extra: PagedNumbers): Float64Array => {
    const out = new Float64Array(total);
    for (let p = 0; p < total; p++) {
      const s = plan[p] as number;
      out[p] = s >= 0 ? (from[s] as number) : extra.get(~s);
    }
    return out;
  };
  const eventTime = gatherNumbers(base.eventTime, delta.eventTime);
  const createdTime = gatherNumbers(base.createdTime, delta.createdTime);
  const { stride } = base;
  const numbers = new Float64Array(total * stride);
  const columns = base.columns.map((column, c): DenseColumn => {
    const extra = delta.columns[c] as PagedNumbers | unknown[];
    if (Array.isArray(column)) {
      const values = extra as unknown[];
      return Array.from(plan, (s) => (s >= 0 ? column[s] : values[~s]));
    }
    const paged = extra as PagedNumbers;
    const { slot } = column;
    let nulls: Uint8Array | undefined;
    for (let p = 0; p < total; p++) {
      const s = plan[p] as number;
      numbers[p * stride + slot] = s >= 0 ? (base.numbers[s * stride + slot] as number) : paged.get(~s);
      if (s >= 0 ? column.nulls?.[s] === 1 : paged.isNull(~s)) (nulls ??= new Uint8Array(total))[p] = 1;
    }
    return { slot, nulls };
  });
  view.base = { runs, offsets, eventTime, createdTime, numbers, stride, columns };
  view.delta = emptyDelta(view);
}

function valueColumn(base: Base, column: DenseColumn, at: (position: number) => number): ValueColumn {
  if (Array.isArray(column)) return { get: (p) => column[at(p)] };
  const { slot, nulls } = column;
  const { numbers, stride } = base;
  return nulls === undefined
    ? { get: (p) => numbers[at(p) * stride + slot] }
    : {
        get: (p) => {
          const s = at(p);
          return nulls[s] === 1 ? null : numbers[s * stride + slot];
        },
      };
}

// Each field's slot in the number matrix, or -1 for a field kept in a plain array.
function numericSlots(fields: ViewLayout["fields"]): number[] {
  let next = 0;
  return fields.map((f) => (isNumericField(f) ? next++ : -1));
}

// The base as it is: zero copies.
function wholeSegment(view: OfflineView): OfflineSegment {
  const { base } = view;
  const keys: string[] = [];
  const offsets: number[] = [0];
  for (let k = 0; k < base.runs; k++) {
    if ((base.offsets[k + 1] as number) > (base.offsets[k] as number)) {
      keys.push(view.keys[k] as string);
      offsets.push(base.offsets[k + 1] as number);
    }
  }
  const identity = (p: number) => p;
  const { eventTime, createdTime } = base;
  return {
    keys,
    offsets: Int32Array.from(offsets),
    eventTime: { get: (p) => eventTime[p] as number },
    createdTime: { get: (p) => createdTime[p] as number },
    columns: base.columns.map((column) => valueColumn(base, column, identity)),
  };
}

// The rows in an event-time range: each run's range found by binary search, positions listed.
function rangeSegment(view: OfflineView, range: TimeRange): OfflineSegment {
  const { base } = view;
  const positions: number[] = [];
  const keys: string[] = [];
  const offsets: number[] = [0];
  const firstAtLeast = (lo: number, hi: number, time: number, strict: boolean) => {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = base.eventTime[mid] as number;
      if (e < time || (strict && e === time)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let k = 0; k < base.runs; k++) {
    const start = base.offsets[k] as number;
    const end = base.offsets[k + 1] as number;
    const from = firstAtLeast(start, end, range.start, false);
    const to = firstAtLeast(from, end, range.end, true);
    if (to > from) {
      for (let p = from; p < to; p++) positions.push(p);
      keys.push(view.keys[k] as string);
      offsets.push(positions.length);
    }
  }
  const at = Int32Array.from(positions);
  const map = (p: number) => at[p] as number;
  return {
    keys,
    offsets: Int32Array.from(offsets),
    eventTime: { get: (p) => base.eventTime[map(p)] as number },
    createdTime: { get: (p) => base.createdTime[map(p)] as number },
    columns: base.columns.map((column) => valueColumn(base, column, map)),
  };
}
