import { createTrainingEngine, inProcessExecutor } from "@mlstack/training";
import { trainingConformance } from "@mlstack/training/testing";

trainingConformance({
  name: "in-process",
  create: async ({ inputs }) =>
    createTrainingEngine({ executor: inProcessExecutor(), inputs, concurrency: 2, graceMs: 500 }),
  capabilities: { isolation: false, memoryLimits: false, terminate: false, sweeps: true, commands: false },
});
