import { createDataEngine, type DataEngineOptions } from "./engine/data-engine.js";
import type { DataEngine } from "./spec.js";
import { FilesystemDataStorage, type FilesystemStorageOptions } from "./storage/filesystem.js";
import { MemoryDataStorage } from "./storage/memory.js";

/** Options of the ready-made engines: everything but the storage. */
export type DataEngineFactoryOptions = Omit<DataEngineOptions, "storage">;

/** A DataEngine in memory: isolated, fast, gone with the process. */
export function createMemoryDataEngine(options: DataEngineFactoryOptions = {}): DataEngine {
  return createDataEngine({ ...options, storage: new MemoryDataStorage() });
}

/** A DataEngine in a local folder: the embedded persistent default, safe across processes and crashes. */
export function createFilesystemDataEngine(options: DataEngineFactoryOptions & FilesystemStorageOptions): DataEngine {
  const { root, ...rest } = options;
  return createDataEngine({ ...rest, storage: new FilesystemDataStorage({ root }) });
}
