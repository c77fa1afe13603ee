import { MemoryArtifactStore } from "@mlstack/core";
import type { MetadataStoreOptions } from "./engine/metadata-store-engine.js";
import { MetadataStoreEngine } from "./engine/metadata-store-engine.js";
import { MemoryMetadataStorage } from "./storage/memory.js";

/** The in-memory MetadataStore, the reference for tests. Its artifact store defaults to a `MemoryArtifactStore`. */
export class MemoryMetadataStore extends MetadataStoreEngine {
  constructor(options: MetadataStoreOptions = {}) {
    super(new MemoryMetadataStorage(), { ...options, artifacts: options.artifacts ?? new MemoryArtifactStore() });
  }
}

/** Creates an in-memory MetadataStore. */
export function createMemoryMetadataStore(options: MetadataStoreOptions = {}): MemoryMetadataStore {
  return new MemoryMetadataStore(options);
}
