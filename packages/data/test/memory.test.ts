import { createMemoryDataEngine } from "../src/index.js";
import { dataEngineConformance } from "../src/testing/index.js";

dataEngineConformance({ name: "memory", create: () => createMemoryDataEngine() });
