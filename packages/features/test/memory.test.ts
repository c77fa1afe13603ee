import { createMemoryFeatureStore } from "../src/index.js";
import { featureStoreConformance } from "../src/testing/index.js";

featureStoreConformance({
  name: "memory",
  create: ({ clock }) => createMemoryFeatureStore({ clock }),
});

featureStoreConformance({
  name: "memory without online serving",
  create: ({ clock }) => createMemoryFeatureStore({ clock, capabilities: { online: false } }),
  capabilities: { online: false, materialize: true, onDemand: true, skewCheck: true },
  propertyRuns: 5,
});
