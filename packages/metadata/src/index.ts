/**
 * The MetadataStore brick of mlstack: experiments and runs with params, metrics and tags, run search
 * with a typed filter tree, artifacts, a model registry with aliases and their history, and an ML
 * Metadata style lineage graph exported as OpenLineage events. The engine holds every rule; storages
 * (memory here, SQLite in `@mlstack/sqlite`) only keep records.
 *
 * @packageDocumentation
 * @module @mlstack/metadata
 */

export { experimentContextId, runExecutionId } from "./engine/context.js";
export { compareMetricValues, downsampleMetricHistory, isLaterPoint } from "./engine/latest-metric.js";
export type { MetadataStoreOptions } from "./engine/metadata-store-engine.js";
export { METADATA_CAPABILITIES, MetadataStoreEngine } from "./engine/metadata-store-engine.js";
export { OPEN_LINEAGE_PRODUCER, openLineageRunId } from "./engine/open-lineage.js";
export { parseRunFilter } from "./engine/parse-run-filter.js";
export type { FieldValue } from "./engine/run-filter.js";
export {
  compareCodePoints,
  compareRunsBy,
  compileLike,
  compileRunFilter,
  DEFAULT_RUN_ORDER,
  fieldValue,
} from "./engine/run-filter.js";
export { createMemoryMetadataStore, MemoryMetadataStore } from "./memory-metadata-store.js";
export * from "./schemas.js";
export * from "./spec.js";
export { MemoryMetadataStorage } from "./storage/memory.js";
export type { Awaitable, MetadataStorage, MetadataTx, StorageRunQuery, StoredModel } from "./storage/spec.js";
export { TransactionLock } from "./storage/transaction-lock.js";
