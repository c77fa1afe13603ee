import { createTrainingEngine } from "@mlstack/training";
import { echoTrainer, trainingConformance } from "@mlstack/training/testing";
import { afterAll, beforeAll, describe } from "vitest";
import { createBullmqExecutor } from "../../src/index.js";
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from "../redis-server.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-processes.js";

const prefix = uniquePrefix("bullmq-conformance");
const queueName = "training";

describe.skipIf(!redisAvailable)("BullMQ executor with two worker processes", () => {
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    const options = { connection: REDIS_URL, prefix, queueName, modules: [echoTrainer.module] };
    workers.push(...(await Promise.all([startWorkerProcess(options), startWorkerProcess(options)])));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await deletePrefix(prefix);
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
