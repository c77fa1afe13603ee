/**
 * The FeatureStore brick of mlstack: entities, feature views and services in a registry,
 * point-in-time-correct training sets, online serving with statuses and ttl, materialization, and
 * on-demand features, with one set of rules over any storage.
 *
 * @packageDocumentation
 * @module @mlstack/features
 */

export { type EntityKeyReader, entityKeyReader } from "./engine/entity-key.js";
export * from "./engine/feature-store-engine.js";
export { createMemoryFeatureStore, type MemoryFeatureStoreOptions } from "./memory-feature-store.js";
export * from "./schemas.js";
export * from "./spec.js";
export { MemoryFeatureStorage } from "./storage/memory.js";
export * from "./storage/spec.js";
export {
  decodeValues,
  type EncodedOfflineRow,
  encodedSegment,
  encodeRecordValues,
  encodeValues,
  onlineRecordAt,
} from "./storage/value-codec.js";
