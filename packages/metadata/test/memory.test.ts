import { createMemoryMetadataStore } from "../src/index.js";
import { metadataStoreConformance } from "../src/testing/index.js";

metadataStoreConformance({
  name: "memory",
  create: ({ clock, ids, artifacts }) => createMemoryMetadataStore({ clock, artifacts, ...(ids ? { ids } : {}) }),
});
