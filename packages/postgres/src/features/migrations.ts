import type { PostgresMigration } from "../database.js";

/** The FeatureStore tables, component `features`. */
export const FEATURES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "registry, offline rows keyed by (view, key, event, created, seq), online values, view state",
    // Keys use the "C" collation: byte order is all a scan needs, and it is the cheapest to compare.
    // `last_seq` is the highest ingestion number committed to a view: appends to a view hold its row
    // lock while taking numbers, so a scan pinned to it sees whole batches only.
    up: `
      CREATE TABLE features_registry (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE TABLE features_views (
        view TEXT PRIMARY KEY,
        digest TEXT NOT NULL,
        last_seq BIGINT NOT NULL DEFAULT 0,
        watermark DOUBLE PRECISION
      );
      CREATE TABLE features_offline (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        view TEXT NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        event_time DOUBLE PRECISION NOT NULL,
        created_time DOUBLE PRECISION NOT NULL,
        vals TEXT NOT NULL,
        PRIMARY KEY (view, key, event_time, created_time, seq)
      );
      CREATE TABLE features_online (
        view TEXT NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        event_time DOUBLE PRECISION NOT NULL,
        created_time DOUBLE PRECISION NOT NULL,
        vals TEXT NOT NULL,
        PRIMARY KEY (view, key)
      );
    `,
  },
];
