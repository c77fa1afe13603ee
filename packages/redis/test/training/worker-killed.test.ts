import { createTrainingEngine, MemoryInputResolver, type TrainingEngine } from "@mlstack/training";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBullmqExecutor } from "../../src/index.js";
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from "../redis-server.js";
import { resumableTrainer } from "./fixtures/resumable-trainer.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-processes.js";

const prefix = uniquePrefix("bullmq-kill");
const queueName = "training";

describe.skipIf(!redisAvailable)("a BullMQ worker killed in the middle of an attempt", () => {
  const workers: WorkerProcess[] = [];
  let engine: TrainingEngine;
  beforeAll(async () => {
    // Short locks: a silent worker is taken for dead after a second and its attempt moved back to the queue.
    const options = {
      connection: REDIS_URL,
      prefix,
      queueName,
      modules: [resumableTrainer.module],
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
    };
    workers.push(...(await Promise.all([startWorkerProcess(options), startWorkerProcess(options)])));
    engine = createTrainingEngine({
      executor: createBullmqExecutor({ connection: REDIS_URL, prefix, queueName }),
      inputs: new MemoryInputResolver(),
    });
    await engine.registerTrainer(resumableTrainer);
  }, 30_000);
  afterAll(async () => {
    await engine?.stop?.();
    await Promise.all(workers.map((w) => w.stop()));
    await deletePrefix(prefix);
  }, 30_000);

  it("is run again by another worker from the latest checkpoint and finishes once", async () => {
    const steps: number[] = [];
    const job = await engine.submit({
      trainer: { name: "test.resumable", version: "1" },
      params: { steps: 30, sleepMs: 50 },
    });
    const jobId = job.ref.jobId;
    engine.on("metric", (m) => m.job.jobId === jobId && steps.push(m.step));
    const isStart = (e: Record<string, unknown>) => e.event === "attempt-start" && e.jobId === jobId;
    const first = await Promise.race(workers.map((w) => w.next(isStart).then(() => w)));
    const other = workers.find((w) => w !== first) as WorkerProcess;
    // Let it checkpoint a few steps, then kill its process outright.
    await new Promise<void>((resolve) => {
      const onCheckpoint = (c: { job: { jobId: string }; sequence: number }) => {
        if (c.job.jobId === jobId && c.sequence >= 5) {
          engine.off("checkpoint", onCheckpoint);
          resolve();
        }
      };
      engine.on("checkpoint", onCheckpoint);
    });
    first.child.kill("SIGKILL");

    const done = await engine.waitFor(jobId);
    expect(done.state).toBe("SUCCEEDED");
    expect((await engine.transitions(jobId)).map((t) => t.to)).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    expect(done.attempts).toHaveLength(1);
    expect(done.retries).toBe(0);
    // The second worker resumed after the last checkpoint the host stored, not from the start.
    const resumedFrom = done.result?.metrics.resumedFrom as number;
    expect(resumedFrom).toBeGreaterThanOrEqual(5);
    expect(steps.slice(-(30 - resumedFrom))).toEqual(
      Array.from({ length: 30 - resumedFrom }, (_, i) => resumedFrom + i),
    );
    // Exactly one worker ended the attempt: the one that took it over.
    const isEnd = (e: Record<string, unknown>) => e.event === "attempt-end" && e.jobId === jobId;
    expect(await other.next(isEnd)).toMatchObject({ status: "returned" });
    expect(other.events.filter(isEnd)).toHaveLength(1);
    expect(first.events.filter(isEnd)).toEqual([]);
  }, 30_000);
});
