/**
 * The DataEngine brick of mlstack: git-like, content-addressed versioning of files and tables with
 * branches, diff, three-way merge, provenance and incremental pipelines, over a small storage SPI with
 * memory and filesystem backends.
 *
 * @packageDocumentation
 * @module @mlstack/data
 */

export { type ChunkingOptions, chunkLengths, chunkStream, DEFAULT_CHUNKING } from "./engine/chunker.js";
export {
  createDataEngine,
  DATA_CAPABILITY_DEFAULTS,
  type DataEngineOptions,
} from "./engine/data-engine.js";
export { compileGlob } from "./engine/match-glob.js";
export { groupDatums } from "./engine/pipeline.js";
export type { RowIssue } from "./engine/tables.js";
export * from "./factories.js";
export * from "./schemas.js";
export type * from "./spec.js";
export {
  FilesystemDataStorage,
  FilesystemObjectStorage,
  FilesystemRefStorage,
  type FilesystemStorageOptions,
} from "./storage/filesystem.js";
export { MemoryDataStorage, MemoryObjectStorage, MemoryRefStorage } from "./storage/memory.js";
export type * from "./storage/spec.js";
