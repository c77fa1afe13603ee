import { childProcessExecutor, createTrainingEngine } from "@mlstack/training";
import { trainingConformance } from "@mlstack/training/testing";

trainingConformance({
  name: "child-process",
  create: async ({ inputs }) =>
    createTrainingEngine({ executor: childProcessExecutor(), inputs, concurrency: 2, graceMs: 500 }),
  capabilities: { isolation: true, memoryLimits: true, terminate: true, sweeps: true, commands: true },
});
