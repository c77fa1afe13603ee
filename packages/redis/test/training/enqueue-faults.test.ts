import { createTrainingEngine, MemoryInputResolver, type TrainingEngine } from "@mlstack/training";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBullmqExecutor } from "../../src/index.js";
import { DedicatedRedis, redisServerAvailable, uniquePrefix } from "../redis-server.js";
import { resumableTrainer } from "./fixtures/resumable-trainer.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-processes.js";

const TRAINER = { name: "test.resumable", version: "1" };

describe.skipIf(!redisServerAvailable)("the BullMQ executor while its Redis is down (dedicated redis-server)", () => {
  let redis: DedicatedRedis;
  let engine: TrainingEngine;
  let worker: WorkerProcess | undefined;
  const prefix = uniquePrefix("bullmq-faults");
  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await redis.kill();
    engine = createTrainingEngine({
      executor: createBullmqExecutor({ connection: redis.url, prefix }),
      inputs: new MemoryInputResolver(),
    });
    await engine.registerTrainer(resumableTrainer);
  }, 30_000);
  afterAll(async () => {
    await engine?.stop?.();
    await worker?.stop();
    await redis?.dispose();
  }, 30_000);

  it("fails the attempt with a retryable UNAVAILABLE, and runs attempts again once Redis is back", async () => {
    const failed = await engine.waitFor(
      (await engine.submit({ trainer: TRAINER, params: { steps: 1, sleepMs: 0 } })).ref.jobId,
    );
    expect(failed.state).toBe("FAILED");
    expect(failed.failure).toMatchObject({ kind: "transient", code: "UNAVAILABLE" });

    await redis.restart();
    worker = await startWorkerProcess({ connection: redis.url, prefix, modules: [resumableTrainer.module] });
    const job = await engine.submit({ trainer: TRAINER, params: { steps: 2, sleepMs: 0 } });
    const done = await engine.waitFor(job.ref.jobId);
    expect(done.state).toBe("SUCCEEDED");
    expect(done.result?.metrics).toEqual({ resumedFrom: 0, steps: 2 });
  }, 30_000);
});
