import { createTrainingEngine, workerThreadsExecutor } from "@mlstack/training";
import { trainingConformance } from "@mlstack/training/testing";

trainingConformance({
  name: "worker-threads",
  create: async ({ inputs }) =>
    createTrainingEngine({ executor: workerThreadsExecutor({ poolSize: 2 }), inputs, concurrency: 2, graceMs: 500 }),
  capabilities: { isolation: true, memoryLimits: true, terminate: true, sweeps: true, commands: false },
});
