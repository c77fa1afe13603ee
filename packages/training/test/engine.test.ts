import { createRandom, isMlstackError, MemoryArtifactStore, parseLinearModel, type Ref } from "@mlstack/core";
import {
  createTrainingEngine,
  defineTrainer,
  inProcessExecutor,
  linearTrainer,
  MemoryInputResolver,
  type TrainingEngine,
  workerThreadsExecutor,
} from "@mlstack/training";
import { echoTrainer } from "@mlstack/training/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";

describe("the reference engine", () => {
  let engine: TrainingEngine | undefined;
  afterEach(async () => engine?.stop?.());

  it("runs the reference trainer on a worker thread and records what made the model", async () => {
    const random = createRandom(3);
    const rows = Array.from({ length: 400 }, () => {
      const a = random.normal();
      const b = random.normal();
      return { a, b, label: random.next() < 1 / (1 + Math.exp(-(2 * a - b))) ? 1 : 0 };
    });
    const input: Ref = { kind: "training-set", id: "t", contentHash: "h" };
    const artifacts = new MemoryArtifactStore();
    engine = createTrainingEngine({
      executor: workerThreadsExecutor({ poolSize: 1 }),
      artifacts,
      inputs: new MemoryInputResolver().set(input, rows),
    });
    await engine.registerTrainer(linearTrainer);
    const submitted = await engine.submit({
      trainer: { name: "mlstack.linear", version: "1" },
      params: { task: "binary-classification", features: ["a", "b"], label: "label", epochs: 30 },
      inputs: [input],
      seed: 1,
    });
    const job = await engine.waitFor(submitted.ref.jobId);
    expect(job.state, job.reason).toBe("SUCCEEDED");
    expect(job.result!.metrics.auc).toBeGreaterThan(0.75);
    const model = parseLinearModel(await artifacts.get(job.result!.model!));
    expect(model.featureNames).toEqual(["a", "b"]);
    expect(model.metadata).toMatchObject({ trainer: "mlstack.linear@1", seed: 1 });
    expect(job.reproducibility.packages).toHaveProperty("zod");
    expect(job.reproducibility.packages).toHaveProperty("@mlstack/core");
    expect(job.reproducibility.trainer.module).toBe(linearTrainer.module);
    const losses = (await engine.metrics(job.ref.jobId)).filter((m) => m.key === "validation_loss");
    expect(losses.length).toBe(job.result!.metrics.epochs);
  });

  it("refuses a second trainer with the same name and version", async () => {
    engine = createTrainingEngine({ executor: inProcessExecutor() });
    await engine.registerTrainer(echoTrainer);
    await engine.registerTrainer(echoTrainer);
    const twin = defineTrainer({ name: echoTrainer.name, version: "1", params: z.object({}), run: async () => ({}) });
    const error = await engine.registerTrainer(twin).catch((e: unknown) => e);
    expect(isMlstackError(error, "ALREADY_EXISTS")).toBe(true);
  });

  it("needs a module URL to run a trainer on worker threads", async () => {
    engine = createTrainingEngine({ executor: workerThreadsExecutor() });
    const local = defineTrainer({ name: "local", version: "1", params: z.object({}), run: async () => ({}) });
    await engine.registerTrainer(local);
    const error = await engine.submit({ trainer: { name: "local", version: "1" } }).catch((e: unknown) => e);
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    expect(await engine.listJobs()).toEqual([]);
  });

  it("cancels queued and running jobs when stopped, then refuses new ones", async () => {
    engine = createTrainingEngine({ executor: inProcessExecutor(), concurrency: 1 });
    await engine.registerTrainer(echoTrainer);
    const trainer = { name: echoTrainer.name, version: "1" };
    const running = await engine.submit({ trainer, params: { steps: 1000, sleepMs: 20 } });
    const queued = await engine.submit({ trainer, params: { steps: 1 } });
    await engine.stop!();
    expect((await engine.getJob(running.ref.jobId)).state).toBe("CANCELLED");
    expect((await engine.getJob(queued.ref.jobId)).state).toBe("CANCELLED");
    expect((await engine.health!()).status).toBe("down");
    const error = await engine.submit({ trainer }).catch((e: unknown) => e);
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
  });
});
