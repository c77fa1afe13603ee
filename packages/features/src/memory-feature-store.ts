import { FeatureStoreEngine, type FeatureStoreOptions } from "./engine/feature-store-engine.js";
import type { FeatureStore } from "./spec.js";
import { MemoryFeatureStorage } from "./storage/memory.js";

/** Options of {@link createMemoryFeatureStore}. */
export type MemoryFeatureStoreOptions = Omit<FeatureStoreOptions, "storage" | "name">;

/** A FeatureStore kept in memory: the reference for tests and the fastest backend. */
export function createMemoryFeatureStore(options: MemoryFeatureStoreOptions = {}): FeatureStore {
  return new FeatureStoreEngine({ ...options, storage: new MemoryFeatureStorage(), name: "memory" });
}
