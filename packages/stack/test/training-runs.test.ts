import { isMlstackError, MlstackError, refKey } from "@mlstack/core";
import { defineTrainer, TERMINAL_STATES } from "@mlstack/training";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestStack, defineStack, type TestStack } from "../src/index.js";
import { LINEAR, linearParams, separableTable } from "./fixtures/separable-table.js";

const params = linearParams(4);

// Fails with a message the run must keep.
const failing = defineTrainer({
  name: "failing",
  version: "1",
  params: z.object({}),
  async run() {
    throw new MlstackError("INVALID_ARGUMENT", "the data has no label column");
  },
});

// Waits until released, so a test can look at a running job.
let release: () => void = () => undefined;
const waiting = defineTrainer({
  name: "waiting",
  version: "1",
  params: z.object({}),
  async run(ctx) {
    await new Promise<void>((resolve) => {
      release = resolve;
      ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    return { metrics: { done: 1 } };
  },
});

/** A JSON Lines table in the DataEngine, as a data-file input the stack's trainers read. */
const table = (stack: TestStack) => separableTable(stack, 80);

describe("training runs", () => {
  it("records everything about a job: params, seed, metrics with steps, fingerprint, inputs, environment, model", async () => {
    await using stack = await createTestStack({ trainers: [failing, waiting] });
    const input = await table(stack);
    stack.clock.advance(1000);
    const { job, run } = await stack.train({ trainer: LINEAR, params, inputs: [input], seed: 42 });
    expect(job.state).toBe("SUCCEEDED");
    expect(run.status).toBe("FINISHED");
    expect(run.experimentId).toBe((await stack.metadata.getExperimentByName("test")).experimentId);
    // Params: every param as JSON, the seed and the trainer; what the trainer logged besides.
    expect(run.params).toMatchObject({
      task: '"binary-classification"',
      features: '["x","z"]',
      epochs: "4",
      l2: "0",
      seed: "42",
      trainer: "mlstack.linear@1",
    });
    expect(run.params.epochs_run).toBe(String(job.loggedParams.epochs_run));
    // Tags: the job, the code fingerprint, the executor and the environment.
    const [trainer] = (await stack.training.listTrainers()).filter((t) => t.name === "mlstack.linear");
    expect(run.tags).toMatchObject({
      "mlstack.training_job": job.ref.jobId,
      "mlstack.trainer": "mlstack.linear@1",
      "mlstack.trainer.fingerprint": trainer?.fingerprint,
      "mlstack.executor": job.reproducibility.executor,
      "mlstack.runtime.node": process.version,
      "mlstack.runtime.platform": process.platform,
      "mlstack.runtime.arch": process.arch,
      "mlstack.job.state": "SUCCEEDED",
    });
    expect(run.tags["mlstack.trainer.fingerprint"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Metrics: the per-epoch history with its steps, and the final result metrics as the latest values.
    const history = await stack.metadata.getMetricHistory(run.runId, "train_loss");
    const logged = (await stack.training.metrics(job.ref.jobId)).filter((m) => m.key === "train_loss");
    expect(history.map((m) => [m.step, m.value])).toEqual(logged.map((m) => [m.step, m.value]));
    expect(history.length).toBeGreaterThan(1);
    expect(run.metrics.auc?.value).toBe(job.result?.metrics.auc);
    expect(run.metrics.log_loss?.value).toBe(job.result?.metrics.log_loss);
    // The model: logged on the run with the same digest as the trainer's artifact (stored once).
    const artifacts = await stack.metadata.listArtifacts(run.runId);
    const model = artifacts.find((a) => a.ref.digest === job.result?.model?.digest);
    expect(model?.path).toBe("model.json");
    expect(await stack.metadata.readArtifact(run.runId, "model.json")).toEqual(
      await stack.artifacts.get(job.result!.model!),
    );
    // Times come from the job; inputs are lineage inputs of the run.
    expect(run.startTime).toBe(job.startedAt);
    expect(run.endTime).toBe(job.endedAt);
    const upstream = await stack.lineage({ kind: "run", runId: run.runId });
    expect(upstream.artifacts.map((a) => a.key)).toContain(refKey(input));
    const downstream = await stack.lineage({ kind: "run", runId: run.runId }, { direction: "downstream" });
    expect(downstream.artifacts.map((a) => a.ref.kind)).toContain("artifact");
  });

  it("records a failed job as a FAILED run with its failure, and stack.train says FAILED_PRECONDITION", async () => {
    await using stack = await createTestStack({ trainers: [failing] });
    const error = await stack.train({ trainer: { name: "failing", version: "1" } }).catch((e: unknown) => e);
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    expect((error as Error).message).toContain("FAILED");
    expect((error as Error).message).toContain("the data has no label column");
    const { jobId, runId } = (error as MlstackError).details as { jobId: string; runId: string };
    const run = await stack.runOf({ kind: "training-job", jobId });
    expect(run.runId).toBe(runId);
    expect(run.status).toBe("FAILED");
    expect(run.errorMessage).toContain("the data has no label column");
    expect(run.tags["mlstack.job.state"]).toBe("FAILED");
  });

  it("records a cancelled job as a KILLED run", async () => {
    await using stack = await createTestStack({ trainers: [waiting] });
    const job = await stack.training.submit({ trainer: { name: "waiting", version: "1" } });
    await stack.training.cancel(job.ref.jobId, "not needed");
    const run = await stack.runOf(job.ref);
    expect(run.status).toBe("KILLED");
    expect(run.errorMessage).toContain("not needed");
  });

  it("puts a run in the experiment its job names, under a parent run and a name from its labels", async () => {
    await using stack = await createTestStack({ lineage: { experiment: "default-experiment" } });
    const input = await table(stack);
    const parent = await stack.train({ trainer: LINEAR, params, inputs: [input] });
    expect((await stack.metadata.getExperiment(parent.run.experimentId)).name).toBe("default-experiment");
    const child = await stack.train({
      trainer: LINEAR,
      params,
      inputs: [input],
      labels: { "mlstack.experiment": "churn", "mlstack.parentRun": parent.run.runId, "mlstack.runName": "retry" },
    });
    expect((await stack.metadata.getExperiment(child.run.experimentId)).name).toBe("churn");
    expect(child.run.parentRunId).toBe(parent.run.runId);
    expect(child.run.name).toBe("retry");
    expect(child.run.tags["mlstack.label.mlstack.runName"]).toBe("retry");
  });

  it("runs a sweep as a parent run with one child run per trial", async () => {
    await using stack = await createTestStack();
    const input = await table(stack);
    const result = await stack.sweep({
      trainer: LINEAR,
      baseParams: params,
      space: { l2: { type: "choice", values: [0, 0.5, 5] } },
      objective: { metric: "log_loss", goal: "min" },
      algorithm: "grid",
      maxTrials: 3,
      parallelism: 2,
      inputs: [input],
    });
    expect(result.trials).toHaveLength(3);
    const { parentRun } = result;
    expect(parentRun.status).toBe("FINISHED");
    expect(JSON.parse(parentRun.params.space as string)).toEqual({ l2: { type: "choice", values: [0, 0.5, 5] } });
    expect(parentRun.params.trainer).toBe("mlstack.linear@1");
    expect(parentRun.metrics.best_trial?.value).toBe(result.best?.number);
    expect(parentRun.metrics.best_log_loss?.value).toBe(result.best?.value);
    expect(parentRun.tags["mlstack.sweep.best_job"]).toBe(result.best?.job.jobId);
    for (const trial of result.trials) {
      const run = result.runs[trial.number];
      expect(run?.parentRunId).toBe(parentRun.runId);
      expect(run?.name).toBe(`trial-${trial.number}`);
      expect(run?.params.l2).toBe(JSON.stringify(trial.params.l2));
      expect(run?.tags["mlstack.training_job"]).toBe(trial.job.jobId);
    }
    const children = await stack.metadata.searchRuns({
      experimentIds: [parentRun.experimentId],
      filter: { kind: "compare", field: { type: "attribute", key: "parentRunId" }, op: "=", value: parentRun.runId },
    });
    expect(children.items).toHaveLength(3);
  });

  it("refuses a sweep of an unknown trainer before making a parent run", async () => {
    await using stack = await createTestStack();
    const error = await stack
      .sweep({
        trainer: { name: "nope", version: "1" },
        space: { l2: { type: "choice", values: [0] } },
        objective: { metric: "log_loss", goal: "min" },
        algorithm: "grid",
        maxTrials: 1,
      })
      .catch((e: unknown) => e);
    expect(isMlstackError(error, "NOT_FOUND")).toBe(true);
    expect((await stack.metadata.searchExperiments()).items).toHaveLength(0);
  });

  it("runOf: waits for the recording, finds runs after a restart, and says when there is none yet", async () => {
    await using stack = await createTestStack({ trainers: [waiting] });
    const input = await table(stack);
    const submitted = await stack.training.submit({ trainer: LINEAR, params, inputs: [input] });
    const done = await stack.training.waitFor(submitted.ref.jobId);
    expect(TERMINAL_STATES.has(done.state)).toBe(true);
    const run = await stack.runOf(done.ref);
    expect(run.tags["mlstack.training_job"]).toBe(done.ref.jobId);
    // Another stack over the same bricks (a restart): found by its tag, not recorded twice.
    const again = defineStack({ training: stack.training, metadata: stack.metadata }, { name: "test" });
    expect((await again.runOf(done.ref)).runId).toBe(run.runId);
    const runs = await stack.metadata.searchRuns({ experimentIds: [run.experimentId] });
    expect(runs.items).toHaveLength(1);
    // A running job has no run yet; an unknown job is NOT_FOUND; a bad ref INVALID_ARGUMENT.
    const running = await stack.training.submit({ trainer: { name: "waiting", version: "1" } });
    while ((await stack.training.getJob(running.ref.jobId)).state !== "RUNNING")
      await new Promise((r) => setTimeout(r, 1));
    const notYet = await stack.runOf(running.ref).catch((e: unknown) => e);
    expect(isMlstackError(notYet, "FAILED_PRECONDITION")).toBe(true);
    release();
    await stack.training.waitFor(running.ref.jobId);
    expect((await stack.runOf(running.ref)).status).toBe("FINISHED");
    const unknown = await stack.runOf({ kind: "training-job", jobId: "nope" }).catch((e: unknown) => e);
    expect(isMlstackError(unknown, "NOT_FOUND")).toBe(true);
    const bad = await stack.runOf({ kind: "run", runId: "x" } as never).catch((e: unknown) => e);
    expect(isMlstackError(bad, "INVALID_ARGUMENT")).toBe(true);
  });

  it("needs a MetadataStore to train through the stack", async () => {
    await using stack = await createTestStack({ lineage: { enabled: false } });
    const error = await stack.train({ trainer: LINEAR, params }).catch((e: unknown) => e);
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    expect(await stack.training.listJobs()).toHaveLength(0);
  });
});
