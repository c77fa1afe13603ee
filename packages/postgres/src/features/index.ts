import type { FeatureStore, FeatureStoreOptions } from "@mlstack/features";
import { FeatureStoreEngine } from "@mlstack/features";
import type { PostgresConnectionOptions } from "../database.js";
import { PostgresFeatureStorage } from "./postgres-feature-storage.js";

export { FEATURES_MIGRATIONS } from "./migrations.js";
export { PostgresFeatureStorage } from "./postgres-feature-storage.js";

/** Options of {@link createPostgresFeatureStore}: a connection plus the engine's options. */
export interface PostgresFeatureStoreOptions
  extends Omit<FeatureStoreOptions, "storage" | "name">,
    PostgresConnectionOptions {}

/**
 * A FeatureStore whose offline rows, online values and registry live in a Postgres schema (created and
 * migrated on first use), shareable by any number of processes. The rules are the reference engine's,
 * as on every backend. `stop()` ends the pool if it was created from `connectionString`.
 */
export async function createPostgresFeatureStore(options: PostgresFeatureStoreOptions): Promise<FeatureStore> {
  const { connectionString, pool, schema, maxConnections, ...rest } = options;
  const storage = await PostgresFeatureStorage.open({
    ...(connectionString === undefined ? {} : { connectionString }),
    ...(pool === undefined ? {} : { pool }),
    ...(schema === undefined ? {} : { schema }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
  });
  return new FeatureStoreEngine({ ...rest, storage, name: "postgres" });
}
