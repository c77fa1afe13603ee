import type { PostgresMigration } from "../database.js";

/** The DataEngine ref table, component `data`. */
export const DATA_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "named refs (branch heads, caches, pipeline states)",
    up: `CREATE TABLE data_refs (name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);`,
  },
];
