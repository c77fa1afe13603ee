import type { FeatureStore, FeatureStoreOptions } from "@mlstack/features";
import { FeatureStoreEngine } from "@mlstack/features";
import { RedisFeatureStorage, type RedisFeatureStorageOptions } from "./redis-feature-storage.js";

export { GENERATIONS_PROPERTY } from "./online-placements.js";
export {
  createRedisFeatureStorage,
  RedisFeatureStorage,
  type RedisFeatureStorageOptions,
} from "./redis-feature-storage.js";
export { type OnlineKeyExpiry, type OnlineViewPlacement, RedisOnlineStorage } from "./redis-online-storage.js";

/** Options of {@link createRedisFeatureStore}. */
export interface RedisFeatureStoreOptions
  extends Omit<FeatureStoreOptions, "storage" | "name">,
    RedisFeatureStorageOptions {}

/**
 * A FeatureStore serving online values from Redis, with offline rows and the registry in `offline`
 * (e.g. a SQLite or Postgres storage). The rules are the reference engine's, as on every backend.
 */
export function createRedisFeatureStore(options: RedisFeatureStoreOptions): FeatureStore {
  const { redis, keyPrefix, offline, expiry, ...rest } = options;
  const storage = new RedisFeatureStorage({
    redis,
    offline,
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
    ...(expiry === undefined ? {} : { expiry }),
  });
  return new FeatureStoreEngine({ ...rest, storage, name: "redis" });
}
