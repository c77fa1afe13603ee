import { MlstackError } from "@mlstack/core";
import type {
  FeatureStorage,
  OfflineBatch,
  OfflineScan,
  OnlineRecord,
  OnlineWriteResult,
  RegistrySnapshot,
  StoredRegistry,
  TimeRange,
  ViewLayout,
} from "@mlstack/features";
import {
  chainDigest,
  decodeValues,
  EMPTY_DIGEST,
  encodedSegment,
  encodeRecordValues,
  encodeValues,
} from "@mlstack/features";
import type { Statement } from "better-sqlite3";
import type { SqliteDatabase } from "../database.js";
import { mapSqliteError, migrate, openDatabase, writeTransaction } from "../database.js";
import { FEATURES_MIGRATIONS } from "./migrations.js";

const PAGE = 50_000;
// Rows per online upsert statement (5 parameters each, well under SQLite's limit of 32,766).
const UPSERT_ROWS = 100;
const EMPTY_REGISTRY: RegistrySnapshot = {
  entities: [],
  featureViews: [],
  featureServices: [],
  onDemandFeatureViews: [],
};

// key, event_time, created_time, seq, vals
type OfflineRow = [string, number, number, number, string];

/**
 * FeatureStore storage in one SQLite file: offline rows in a table indexed by (view, key, event time,
 * created time, ingestion order) so scans come back ordered, online values under the stale-write rule
 * in one conditional upsert, the registry as versioned JSON. Several processes may share the file.
 */
export class SqliteFeatureStorage implements FeatureStorage {
  readonly #db: SqliteDatabase;
  readonly #upserts = new Map<number, Statement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
    migrate(db, "features", FEATURES_MIGRATIONS);
  }

  /** Opens (and migrates) a SQLite file. */
  static open(filename: string, options: { busyTimeoutMs?: number } = {}): SqliteFeatureStorage {
    return new SqliteFeatureStorage(openDatabase(filename, options));
  }

  async readRegistry(): Promise<StoredRegistry> {
    const row = this.#get<{ version: number; body: string }>(
      "SELECT version, body FROM features_registry WHERE id = 1",
    );
    return row === undefined
      ? { version: 0, snapshot: EMPTY_REGISTRY }
      : { version: row.version, snapshot: JSON.parse(row.body) as RegistrySnapshot };
  }

  async registryVersion(): Promise<number> {
    return this.#get<{ version: number }>("SELECT version FROM features_registry WHERE id = 1")?.version ?? 0;
  }

  async commitRegistry(next: RegistrySnapshot, expectedVersion: number, dropViews: readonly string[]): Promise<void> {
    const db = this.#db;
    writeTransaction(db, () => {
      const row = db.prepare("SELECT version FROM features_registry WHERE id = 1").get() as
        | { version: number }
        | undefined;
      const version = row?.version ?? 0;
      if (version !== expectedVersion) {
        throw new MlstackError("CONFLICT", "the registry changed while this apply was being planned; apply again", {
          details: { expectedVersion, version },
        });
      }
      db.prepare(
        "INSERT INTO features_registry (id, version, body) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body",
      ).run(version + 1, JSON.stringify(next));
      for (const view of dropViews) {
        for (const table of ["features_offline", "features_online", "features_views"]) {
          db.prepare(`DELETE FROM ${table} WHERE view = ?`).run(view);
        }
      }
    });
  }

  async appendOffline(layout: ViewLayout, batch: OfflineBatch): Promise<void> {
    const db = this.#db;
    writeTransaction(db, () => {
      const insert = db.prepare(
        "INSERT INTO features_offline (view, key, event_time, created_time, vals) VALUES (?, ?, ?, ?, ?)",
      );
      const { keys, eventTimes, createdTimes, columns } = batch;
      const values: unknown[] = new Array(columns.length);
      for (let i = 0; i < keys.length; i++) {
        for (let c = 0; c < columns.length; c++) values[c] = (columns[c] as readonly unknown[])[i];
        insert.run(layout.name, keys[i], eventTimes[i], createdTimes[i], encodeValues(values));
      }
      const previous = db.prepare("SELECT digest FROM features_views WHERE view = ?").get(layout.name) as
        | { digest: string }
        | undefined;
      db.prepare(
        "INSERT INTO features_views (view, digest) VALUES (?, ?) ON CONFLICT (view) DO UPDATE SET digest = excluded.digest",
      ).run(layout.name, chainDigest(previous?.digest ?? EMPTY_DIGEST, batch.digest));
    });
  }

  async scanOffline(layout: ViewLayout, range?: TimeRange): Promise<OfflineScan> {
    // Rows are append-only, so the digest and the highest ingestion number read together pin a snapshot
    // that later pages (read across awaits) cannot move.
    const pin = this.#guard(() =>
      this.#db.transaction(() => ({
        digest: (
          this.#db.prepare("SELECT digest FROM features_views WHERE view = ?").get(layout.name) as
            | { digest: string }
            | undefined
        )?.digest,
        maxSeq: (this.#db.prepare("SELECT max(seq) AS s FROM features_offline").get() as { s: number | null }).s ?? 0,
      }))(),
    );
    const start = range?.start ?? Number.MIN_SAFE_INTEGER;
    const end = range?.end ?? Number.MAX_SAFE_INTEGER;
    const width = layout.fields.length;
    const storage = this;
    return {
      digest: pin.digest ?? EMPTY_DIGEST,
      segments: async function* () {
        const where = "view = ? AND seq <= ? AND event_time BETWEEN ? AND ?";
        const order = "ORDER BY key, event_time, created_time, seq LIMIT ?";
        const first = storage.#db.prepare(
          `SELECT key, event_time, created_time, seq, vals FROM features_offline WHERE ${where} ${order}`,
        );
        const next = storage.#db.prepare(
          `SELECT key, event_time, created_time, seq, vals FROM features_offline WHERE ${where} AND (key, event_time, created_time, seq) > (?, ?, ?, ?) ${order}`,
        );
        first.raw(true);
        next.raw(true);
        let pending: OfflineRow[] = [];
        let cursor: OfflineRow | undefined;
        for (;;) {
          const page = storage.#guard(() =>
            cursor === undefined
              ? (first.all(layout.name, pin.maxSeq, start, end, PAGE) as OfflineRow[])
              : (next.all(
                  layout.name,
                  pin.maxSeq,
                  start,
                  end,
                  cursor[0],
                  cursor[1],
                  cursor[2],
                  cursor[3],
                  PAGE,
                ) as OfflineRow[]),
          );
          for (const row of page) pending.push(row);
          if (page.length < PAGE) {
            if (pending.length > 0) yield encodedSegment(pending, width);
            return;
          }
          cursor = page[page.length - 1] as OfflineRow;
          // The last key may go on in the next page: keep its rows back, so no run is split.
          let cut = pending.length;
          while (cut > 0 && (pending[cut - 1] as OfflineRow)[0] === cursor[0]) cut--;
          if (cut > 0) {
            yield encodedSegment(pending.slice(0, cut), width);
            pending = pending.slice(cut);
          }
        }
      },
    };
  }

  async writeOnline(layout: ViewLayout, records: readonly OnlineRecord[]): Promise<OnlineWriteResult> {
    const db = this.#db;
    return writeTransaction(db, () => {
      // Rows go UPSERT_ROWS to a statement: one call per row would cost more than the insert itself.
      const n = records.length;
      const full = n - (n % UPSERT_ROWS);
      const params: unknown[] = new Array(UPSERT_ROWS * 5);
      let written = 0;
      for (let from = 0; from < n; from += UPSERT_ROWS) {
        const size = from < full ? UPSERT_ROWS : n - full;
        if (size !== UPSERT_ROWS) params.length = size * 5;
        for (let i = 0; i < size; i++) {
          const r = records[from + i] as OnlineRecord;
          const o = i * 5;
          params[o] = layout.name;
          params[o + 1] = r.key;
          params[o + 2] = r.eventTime;
          params[o + 3] = r.createdTime;
          params[o + 4] = encodeRecordValues(r);
        }
        written += this.#upsert(size).run(params).changes;
      }
      return { written, ignored: n - written };
    });
  }

  // The stale-write rule, atomic per key: the update happens only for a strictly newer event time.
  // Statements are kept per row count. A multi-row statement applies its rows in order, as one statement
  // per row did, and `changes` counts only the rows inserted or updated.
  #upsert(rows: number): Statement {
    let statement = this.#upserts.get(rows);
    if (statement === undefined) {
      statement = this.#db.prepare(
        `INSERT INTO features_online (view, key, event_time, created_time, vals) VALUES ${Array.from({ length: rows }, () => "(?, ?, ?, ?, ?)").join(", ")}
         ON CONFLICT (view, key) DO UPDATE SET event_time = excluded.event_time, created_time = excluded.created_time, vals = excluded.vals
         WHERE excluded.event_time > features_online.event_time`,
      );
      // Keep the full-size statement and a few tails; a tail of another size is prepared again.
      if (rows === UPSERT_ROWS || this.#upserts.size < 16) this.#upserts.set(rows, statement);
    }
    return statement;
  }

  async readOnline(layout: ViewLayout, keys: readonly string[]): Promise<(OnlineRecord | undefined)[]> {
    const rows = this.#guard(
      () =>
        this.#db
          .prepare(
            "SELECT key, event_time, created_time, vals FROM features_online WHERE view = ? AND key IN (SELECT value FROM json_each(?))",
          )
          .raw(true)
          .all(layout.name, JSON.stringify(keys)) as [string, number, number, string][],
    );
    const found = new Map<string, OnlineRecord>();
    for (const [key, eventTime, createdTime, vals] of rows) {
      found.set(key, { key, eventTime, createdTime, values: decodeValues(vals) });
    }
    return keys.map((key) => found.get(key));
  }

  async getWatermark(view: string): Promise<number | undefined> {
    return (
      this.#get<{ watermark: number | null }>("SELECT watermark FROM features_views WHERE view = ?", view)?.watermark ??
      undefined
    );
  }

  async setWatermark(view: string, end: number): Promise<void> {
    this.#guard(() =>
      this.#db
        .prepare(
          "INSERT INTO features_views (view, digest, watermark) VALUES (?, ?, ?) ON CONFLICT (view) DO UPDATE SET watermark = excluded.watermark",
        )
        .run(view, EMPTY_DIGEST, end),
    );
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#guard(() => this.#db.prepare(sql).get(...params) as T | undefined);
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw mapSqliteError(error);
    }
  }
}
