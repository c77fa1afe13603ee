import type { MetadataStoreOptions } from "@mlstack/metadata";
import { MetadataStoreEngine } from "@mlstack/metadata";
import type { PostgresConnectionOptions } from "../database.js";
import { PostgresMetadataStorage } from "./postgres-metadata-storage.js";

export { METADATA_MIGRATIONS } from "./migrations.js";
export { PostgresMetadataStorage } from "./postgres-metadata-storage.js";

/** Options of {@link createPostgresMetadataStore}: a connection plus the engine's options. */
export interface PostgresMetadataStoreOptions extends MetadataStoreOptions, PostgresConnectionOptions {}

/**
 * A MetadataStore whose experiments, runs, metrics, registry and lineage live in a Postgres schema
 * (created and migrated on first use), shareable by any number of processes; the rules are the
 * reference engine's. Artifact bytes go to `options.artifacts` (without one, the `artifacts`
 * capability is off). `stop()` ends the pool if it was created from `connectionString`.
 */
export async function createPostgresMetadataStore(options: PostgresMetadataStoreOptions): Promise<MetadataStoreEngine> {
  const { connectionString, pool, schema, maxConnections, ...rest } = options;
  const storage = await PostgresMetadataStorage.open({
    ...(connectionString === undefined ? {} : { connectionString }),
    ...(pool === undefined ? {} : { pool }),
    ...(schema === undefined ? {} : { schema }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
  });
  return new MetadataStoreEngine(storage, rest);
}
