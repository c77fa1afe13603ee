import type { FeatureStore, FeatureStoreOptions } from "@mlstack/features";
import { FeatureStoreEngine } from "@mlstack/features";
import { SqliteFeatureStorage } from "./sqlite-feature-storage.js";

export { SqliteFeatureStorage } from "./sqlite-feature-storage.js";

/** Options of {@link createSqliteFeatureStore}. */
export interface SqliteFeatureStoreOptions extends Omit<FeatureStoreOptions, "storage" | "name"> {
  /** The SQLite file (created if missing); `:memory:` for a throwaway store. */
  readonly filename: string;
  /** How long a write waits for another process's lock before `UNAVAILABLE`; default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * A FeatureStore whose offline rows, online values and registry live in one SQLite file (WAL mode,
 * shareable by several processes). The rules are the reference engine's, as on every backend.
 */
export function createSqliteFeatureStore(options: SqliteFeatureStoreOptions): FeatureStore {
  const { filename, busyTimeoutMs, ...rest } = options;
  const storage = SqliteFeatureStorage.open(filename, busyTimeoutMs === undefined ? {} : { busyTimeoutMs });
  return new FeatureStoreEngine({ ...rest, storage, name: "sqlite" });
}
