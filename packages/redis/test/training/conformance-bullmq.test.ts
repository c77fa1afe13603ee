import { randomUUID } from "node:crypto";
import { createTrainingEngine } from "@mlstack/training";
import { echoTrainer, trainingConformance } from "@mlstack/training/testing";
import { afterAll, beforeAll, describe } from "vitest";
import { createBullmqExecutor } from "../../src/index.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "./redis-test-server.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-processes.js";

const prefix = `mlstack-test-${randomUUID()}`;
const queueName = "training";

describe.skipIf(!redisAvailable)("BullMQ executor with two worker processes", () => {
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    const options = { connection: REDIS_URL, prefix, queueName, modules: [echoTrainer.module] };
    workers.push(...(await Promise.all([startWorkerProcess(options), startWorkerProcess(options)])));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await deleteKeys(REDIS_URL, prefix);
  }, 30_000);

  trainingConformance({
    name: "bullmq",
    create: async ({ inputs }) =>
      createTrainingEngine({
        executor: createBullmqExecutor({ connection: REDIS_URL, prefix, queueName }),
        inputs,
        concurrency: 2,
        graceMs: 500,
      }),
    capabilities: { isolation: true, memoryLimits: true, terminate: true, sweeps: true, commands: false },
  });
});
