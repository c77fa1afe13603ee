import type { Migration } from "../database.js";

/** The FeatureStore tables, component `features`. */
export const FEATURES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "registry, offline rows ordered by (view, key, event, created, seq), online values, view state",
    up: `
      CREATE TABLE features_registry (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE TABLE features_views (
        view TEXT PRIMARY KEY,
        digest TEXT NOT NULL,
        watermark INTEGER
      );
      CREATE TABLE features_offline (
        seq INTEGER PRIMARY KEY,
        view TEXT NOT NULL,
        key TEXT NOT NULL,
        event_time INTEGER NOT NULL,
        created_time INTEGER NOT NULL,
        vals TEXT NOT NULL
      );
      CREATE INDEX features_offline_order ON features_offline (view, key, event_time, created_time, seq);
      CREATE TABLE features_online (
        view TEXT NOT NULL,
        key TEXT NOT NULL,
        event_time INTEGER NOT NULL,
        created_time INTEGER NOT NULL,
        vals TEXT NOT NULL,
        PRIMARY KEY (view, key)
      ) WITHOUT ROWID;
    `,
  },
];
