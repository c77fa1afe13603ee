import { MlstackError } from "@mlstack/core";
import type { RegistrySnapshot } from "../spec.js";
import { PagedNumbers } from "./paged-numbers.js";
import type {
  FeatureStorage,
  NumberColumn,
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

// The row ids of one key, kept ordered by (event time, created time, ingestion order) as rows arrive.
interface Run {
  ids: Int32Array;
  n: number;
}

interface OfflineView {
  readonly keyIds: Map<string, number>;
  readonly keys: string[];
  readonly runs: Run[];
  readonly eventTime: PagedNumbers;
  readonly createdTime: PagedNumbers;
  // Numeric fields in paged typed columns, the rest in plain arrays.
  readonly columns: (PagedNumbers | unknown[])[];
  rows: number;
  digest: string;
}

const EMPTY_REGISTRY: RegistrySnapshot = Object.freeze({
  entities: [],
  featureViews: [],
  featureServices: [],
  onDemandFeatureViews: [],
});

/**
 * The in-memory storage: offline rows in paged columns with one ordered run of row ids per key (so
 * retrieval never sorts), online values in maps. Everything is lost when the process ends.
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
    const { keys, eventTimes, createdTimes, columns } = batch;
    for (let i = 0; i < keys.length; i++) {
      const row = view.rows++;
      const event = eventTimes[i] as number;
      const created = createdTimes[i] as number;
      view.eventTime.push(event);
      view.createdTime.push(created);
      for (let c = 0; c < columns.length; c++) {
        const column = view.columns[c] as PagedNumbers | unknown[];
        const value = (columns[c] as readonly unknown[])[i];
        if (column instanceof PagedNumbers) column.push(value as number | null);
        else column.push(value);
      }
      insertIntoRun(view, runOf(view, keys[i] as string), row, event, created);
    }
    view.digest = chainDigest(view.digest, batch.digest);
  }

  async scanOffline(layout: ViewLayout, range?: TimeRange): Promise<OfflineScan> {
    const view = this.#offline.get(layout.name);
    if (view === undefined) return { digest: EMPTY_DIGEST, segments: async function* () {} };
    const segment = snapshot(view, range);
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
        keyIds: new Map(),
        keys: [],
        runs: [],
        eventTime: new PagedNumbers(),
        createdTime: new PagedNumbers(),
        columns: layout.fields.map((f) => (isNumericField(f) ? new PagedNumbers() : [])),
        rows: 0,
        digest: EMPTY_DIGEST,
      };
      this.#offline.set(layout.name, view);
    }
    return view;
  }
}

function runOf(view: OfflineView, key: string): Run {
  let id = view.keyIds.get(key);
  if (id === undefined) {
    id = view.keys.length;
    view.keyIds.set(key, id);
    view.keys.push(key);
    view.runs.push({ ids: new Int32Array(4), n: 0 });
  }
  return view.runs[id] as Run;
}

// Rows mostly arrive in time order, so the insertion point is found walking back from the end.
function insertIntoRun(view: OfflineView, run: Run, row: number, event: number, created: number): void {
  if (run.n === run.ids.length) {
    const grown = new Int32Array(run.ids.length * 2);
    grown.set(run.ids);
    run.ids = grown;
  }
  let at = run.n;
  while (at > 0) {
    const prev = run.ids[at - 1] as number;
    const e = view.eventTime.get(prev);
    if (e < event || (e === event && view.createdTime.get(prev) <= created)) break;
    at--;
  }
  run.ids.copyWithin(at + 1, at, run.n);
  run.ids[at] = row;
  run.n++;
}

function snapshot(view: OfflineView, range: TimeRange | undefined): OfflineSegment {
  let total = 0;
  for (const run of view.runs) total += run.n;
  const rowIds = new Int32Array(total);
  const keys: string[] = [];
  const offsets: number[] = [0];
  let pos = 0;
  view.runs.forEach((run, k) => {
    const start = pos;
    for (let i = 0; i < run.n; i++) {
      const row = run.ids[i] as number;
      if (range !== undefined) {
        const e = view.eventTime.get(row);
        if (e < range.start || e > range.end) continue;
      }
      rowIds[pos++] = row;
    }
    if (pos > start) {
      keys.push(view.keys[k] as string);
      offsets.push(pos);
    }
  });
  const ids = rowIds.subarray(0, pos);
  const numbers = (column: PagedNumbers): NumberColumn => ({ get: (p) => column.get(ids[p] as number) });
  const values = (column: PagedNumbers | unknown[]): ValueColumn =>
    column instanceof PagedNumbers
      ? {
          get: (p) => {
            const row = ids[p] as number;
            return column.isNull(row) ? null : column.get(row);
          },
        }
      : { get: (p) => column[ids[p] as number] };
  return {
    keys,
    offsets: Int32Array.from(offsets),
    eventTime: numbers(view.eventTime),
    createdTime: numbers(view.createdTime),
    columns: view.columns.map(values),
  };
}
