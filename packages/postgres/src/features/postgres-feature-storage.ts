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
import { type PostgresConnectionOptions, PostgresDatabase } from "../database.js";
import { FEATURES_MIGRATIONS } from "./migrations.js";

const PAGE = 50_000;
// Rows per INSERT statement: arrays are sent as one parameter each, so this bounds the message size.
const CHUNK = 20_000;
const EMPTY_REGISTRY: RegistrySnapshot = {
  entities: [],
  featureViews: [],
  featureServices: [],
  onDemandFeatureViews: [],
};

// key, event_time, created_time, vals
type OfflineRow = [string, number, number, string];

/**
 * FeatureStore storage in a Postgres schema: offline rows keyed by (view, key, event time, created
 * time, ingestion order) so scans come back ordered, online values under the stale-write rule in one
 * conditional upsert, the registry as versioned JSON. Any number of processes and machines may share it.
 */
export class PostgresFeatureStorage implements FeatureStorage {
  readonly #db: PostgresDatabase;
  readonly #t: { registry: string; views: string; offline: string; online: string };

  /** Wraps a migrated database; use {@link PostgresFeatureStorage.open}. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
    this.#t = {
      registry: db.table("features_registry"),
      views: db.table("features_views"),
      offline: db.table("features_offline"),
      online: db.table("features_online"),
    };
  }

  /** Connects, creates the schema if absent and migrates the `features` tables. */
  static async open(options: PostgresConnectionOptions): Promise<PostgresFeatureStorage> {
    const db = new PostgresDatabase(options);
    try {
      await db.migrate("features", FEATURES_MIGRATIONS);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PostgresFeatureStorage(db);
  }

  async readRegistry(): Promise<StoredRegistry> {
    const { rows } = await this.#db.query<{ version: number; body: string }>(
      `SELECT version, body FROM ${this.#t.registry} WHERE id = 1`,
    );
    const row = rows[0];
    return row === undefined
      ? { version: 0, snapshot: EMPTY_REGISTRY }
      : { version: row.version, snapshot: JSON.parse(row.body) as RegistrySnapshot };
  }

  async registryVersion(): Promise<number> {
    const { rows } = await this.#db.query<{ version: number }>(`SELECT version FROM ${this.#t.registry} WHERE id = 1`);
    return rows[0]?.version ?? 0;
  }

  async commitRegistry(next: RegistrySnapshot, expectedVersion: number, dropViews: readonly string[]): Promise<void> {
    const t = this.#t;
    await this.#db.transaction(async (client) => {
      const row = await client.query<{ version: number }>(`SELECT version FROM ${t.registry} WHERE id = 1 FOR UPDATE`);
      const version = row.rows[0]?.version ?? 0;
      if (version !== expectedVersion) throw registryConflict(expectedVersion, version);
      // Two first applies both see no row; the second insert's unique violation is that same conflict.
      await client.query(
        `INSERT INTO ${t.registry} (id, version, body) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body`,
        [version + 1, JSON.stringify(next)],
      );
      if (dropViews.length > 0) {
        for (const table of [t.offline, t.online, t.views]) {
          await client.query(`DELETE FROM ${table} WHERE view = ANY($1::text[])`, [dropViews]);
        }
      }
    });
  }

  async appendOffline(layout: ViewLayout, batch: OfflineBatch): Promise<void> {
    const t = this.#t;
    const { keys, eventTimes, createdTimes, columns } = batch;
    await this.#db.transaction(
      async (client) => {
        // The view's row lock serializes appends to the view, so ingestion numbers grow in commit order.
        await client.query(`INSERT INTO ${t.views} (view, digest) VALUES ($1, $2) ON CONFLICT (view) DO NOTHING`, [
          layout.name,
          EMPTY_DIGEST,
        ]);
        const previous = await client.query<{ digest: string; last_seq: string }>(
          `SELECT digest, last_seq FROM ${t.views} WHERE view = $1 FOR UPDATE`,
          [layout.name],
        );
        let lastSeq = previous.rows[0]?.last_seq ?? "0";
        const values: unknown[] = new Array(columns.length);
        for (let from = 0; from < keys.length; from += CHUNK) {
          const to = Math.min(keys.length, from + CHUNK);
          const vals: string[] = new Array(to - from);
          for (let i = from; i < to; i++) {
            for (let c = 0; c < columns.length; c++) values[c] = (columns[c] as readonly unknown[])[i];
            vals[i - from] = encodeValues(values);
          }
          const inserted = await client.query<{ last: string }>(
            `WITH rows AS (
               INSERT INTO ${t.offline} (view, key, event_time, created_time, vals)
               SELECT $1, k, e, c, v FROM unnest($2::text[], $3::float8[], $4::float8[], $5::text[])
                 WITH ORDINALITY AS u (k, e, c, v, o) ORDER BY o
               RETURNING seq)
             SELECT max(seq)::text AS last FROM rows`,
            [
              layout.name,
              keys.slice(from, to),
              Array.from(eventTimes.subarray(from, to)),
              Array.from(createdTimes.subarray(from, to)),
              vals,
            ],
          );
          lastSeq = inserted.rows[0]?.last ?? lastSeq;
        }
        await client.query(`UPDATE ${t.views} SET digest = $2, last_seq = $3 WHERE view = $1`, [
          layout.name,
          chainDigest(previous.rows[0]?.digest ?? EMPTY_DIGEST, batch.digest),
          lastSeq,
        ]);
      },
      { retries: 0 },
    );
  }

  async scanOffline(layout: ViewLayout, range?: TimeRange): Promise<OfflineScan> {
    const t = this.#t;
    // The digest and the last ingestion number, read together, pin a snapshot that later pages (each
    // its own statement) cannot move: rows are append-only and numbered in commit order per view.
    const { rows } = await this.#db.query<{ digest: string; last_seq: string }>(
      `SELECT digest, last_seq FROM ${t.views} WHERE view = $1`,
      [layout.name],
    );
    const pin = rows[0] ?? { digest: EMPTY_DIGEST, last_seq: "0" };
    const start = range?.start ?? -Number.MAX_VALUE;
    const end = range?.end ?? Number.MAX_VALUE;
    const width = layout.fields.length;
    const db = this.#db;
    const select = `SELECT key, event_time, created_time, vals FROM ${t.offline}
      WHERE view = $1 AND seq <= $2 AND event_time BETWEEN $3 AND $4`;
    const order = "ORDER BY key, event_time, created_time, seq";
    const params = [layout.name, pin.last_seq, start, end];
    return {
      digest: pin.digest,
      segments: async function* () {
        if (pin.last_seq === "0") return;
        // Pages of whole keys, the cursor a key: the last key of a full page may go on in the next, so
        // its rows are read again there. A key filling a page alone is read whole.
        let after: string | undefined;
        for (;;) {
          const page =
            after === undefined
              ? await db.queryArrays<OfflineRow>(`${select} ${order} LIMIT ${PAGE}`, params)
              : await db.queryArrays<OfflineRow>(`${select} AND key > $5 ${order} LIMIT ${PAGE}`, [...params, after]);
          if (page.length < PAGE) {
            if (page.length > 0) yield encodedSegment(page, width);
            return;
          }
          const lastKey = (page[page.length - 1] as OfflineRow)[0];
          let cut = page.length;
          while (cut > 0 && (page[cut - 1] as OfflineRow)[0] === lastKey) cut--;
          if (cut > 0) {
            yield encodedSegment(page.slice(0, cut), width);
            after = (page[cut - 1] as OfflineRow)[0];
          } else {
            yield encodedSegment(
              await db.queryArrays<OfflineRow>(`${select} AND key = $5 ${order}`, [...params, lastKey]),
              width,
            );
            after = lastKey;
          }
        }
      },
    };
  }

  async writeOnline(layout: ViewLayout, records: readonly OnlineRecord[]): Promise<OnlineWriteResult> {
    const t = this.#t;
    // The stale-write rule, atomic per key in the upsert itself: only a strictly newer event time wins,
    // also against a concurrent writer (the conflicting row is locked and the WHERE re-checked).
    const upsert = `INSERT INTO ${t.online} AS stored (view, key, event_time, created_time, vals)
      SELECT $1, k, e, c, v FROM unnest($2::text[], $3::float8[], $4::float8[], $5::text[]) AS u (k, e, c, v)
      ON CONFLICT (view, key) DO UPDATE
        SET event_time = excluded.event_time, created_time = excluded.created_time, vals = excluded.vals
        WHERE excluded.event_time > stored.event_time`;
    // Concurrent writers lock the rows they upsert in key order, so two batches over the same keys
    // wait for each other instead of deadlocking (the sort is stable: a key's records keep their order).
    const ordered = [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const written = await this.#db.transaction(
      async (client) => {
        let n = 0;
        for (let from = 0; from < ordered.length; from += CHUNK) {
          const chunk = ordered.slice(from, from + CHUNK);
          const result = await client.query(upsert, [
            layout.name,
            chunk.map((r) => r.key),
            chunk.map((r) => r.eventTime),
            chunk.map((r) => r.createdTime),
            chunk.map((r) => encodeRecordValues(r)),
          ]);
          n += result.rowCount ?? 0;
        }
        return n;
      },
      { retries: 0 },
    );
    return { written, ignored: records.length - written };
  }

  async readOnline(layout: ViewLayout, keys: readonly string[]): Promise<(OnlineRecord | undefined)[]> {
    const rows = await this.#db.queryArrays<[string, number, number, string]>(
      `SELECT key, event_time, created_time, vals FROM ${this.#t.online} WHERE view = $1 AND key = ANY($2::text[])`,
      [layout.name, keys],
    );
    const found = new Map<string, OnlineRecord>();
    for (const [key, eventTime, createdTime, vals] of rows) {
      found.set(key, { key, eventTime, createdTime, values: decodeValues(vals) });
    }
    return keys.map((key) => found.get(key));
  }

  async getWatermark(view: string): Promise<number | undefined> {
    const { rows } = await this.#db.query<{ watermark: number | null }>(
      `SELECT watermark FROM ${this.#t.views} WHERE view = $1`,
      [view],
    );
    return rows[0]?.watermark ?? undefined;
  }

  async setWatermark(view: string, end: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO ${this.#t.views} (view, digest, watermark) VALUES ($1, $2, $3)
       ON CONFLICT (view) DO UPDATE SET watermark = excluded.watermark`,
      [view, EMPTY_DIGEST, end],
    );
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

function registryConflict(expectedVersion: number, version: number): MlstackError {
  return new MlstackError("CONFLICT", "the registry changed while this apply was being planned; apply again", {
    details: { expectedVersion, version },
  });
}
