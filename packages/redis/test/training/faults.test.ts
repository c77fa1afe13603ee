import { createTrainingEngine, MemoryInputResolver, type TrainingEngine } from "@mlstack/training";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBullmqExecutor } from "../../src/index.js";
import { DedicatedRedis, redisServerAvailable, uniquePrefix } from "../redis-server.js";
import { resumableTrainer } from "./fixtures/resumable-trainer.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-processes.js";

const TRAINER = { name: "test.resumable", version: "1" };

describe.skipIf(!redisServerAvailable)(
  "the BullMQ executor and worker on a dedicated redis-server: faults and the queue",
  () => {
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
      worker = await startWorkerProcess({
        connection: redis.url,
        prefix,
        modules: [resumableTrainer.module],
        requestTimeoutMs: 1000,
      });
      const job = await engine.submit({ trainer: TRAINER, params: { steps: 2, sleepMs: 0 } });
      const done = await engine.waitFor(job.ref.jobId);
      expect(done.state).toBe("SUCCEEDED");
      expect(done.result?.metrics).toEqual({ resumedFrom: 0, steps: 2 });
    }, 30_000);

    it("frees a worker whose host went away: the trainer's next request times out", async () => {
      if (!worker) throw new Error("the previous test starts the worker");
      const executor = createBullmqExecutor({ connection: redis.url, prefix });
      const host = createTrainingEngine({ executor, inputs: new MemoryInputResolver() });
      await host.registerTrainer(resumableTrainer);
      const job = await host.submit({ trainer: TRAINER, params: { steps: 1000, sleepMs: 20 } });
      await new Promise<void>((resolve) => host.on("checkpoint", () => resolve()));
      // The host's connections go: nobody answers the trainer's next checkpoint.
      await executor.close();
      const end = await worker.next((e) => e.event === "attempt-end" && e.jobId === job.ref.jobId);
      expect(end.outcome).toMatchObject({ status: "thrown", error: { code: "UNAVAILABLE", retryable: true } });
      await host.stop?.();
    }, 30_000);

    it("removes a cancelled attempt that waits in the queue for a free worker: it never runs", async () => {
      if (!worker) throw new Error("the first test starts the worker");
      const host = createTrainingEngine({
        executor: createBullmqExecutor({ connection: redis.url, prefix }),
        inputs: new MemoryInputResolver(),
        concurrency: 2,
      });
      await host.registerTrainer(resumableTrainer);
      // The one worker (concurrency 1) is busy with the first job; the second waits in BullMQ's queue.
      const busy = await host.submit({ trainer: TRAINER, params: { steps: 1000, sleepMs: 20 } });
      await worker.next((e) => e.event === "attempt-start" && e.jobId === busy.ref.jobId);
      const waiting = await host.submit({ trainer: TRAINER, params: { steps: 1, sleepMs: 0 } });
      await new Promise<void>((resolve) =>
        host.on("transition", (t) => t.job.jobId === waiting.ref.jobId && t.to === "RUNNING" && resolve()),
      );
      const cancelled = await host.cancel(waiting.ref.jobId, "not needed");
      expect(cancelled.state).toBe("CANCELLED");
      await host.cancel(busy.ref.jobId);
      await worker.next((e) => e.event === "attempt-end" && e.jobId === busy.ref.jobId);
      expect(worker.events.some((e) => e.jobId === waiting.ref.jobId)).toBe(false);
      await host.stop?.();
    }, 30_000);
  },
);
