import { isMlstackError } from "@mlstack/core";
import { createTrainingEngine, defineTrainer, inProcessExecutor, type TrainingEngine } from "@mlstack/training";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";

const constant = defineTrainer({
  name: "constant",
  version: "1",
  params: z.object({ x: z.number() }),
  async run(ctx) {
    return { metrics: { loss: ctx.params.x ** 2 } };
  },
});

describe("sweep job labels", () => {
  let engine: TrainingEngine | undefined;
  afterEach(async () => engine?.stop?.());

  it("puts the sweep's job labels on every trial beside the trial label", async () => {
    engine = createTrainingEngine({ executor: inProcessExecutor(), concurrency: 2 });
    await engine.registerTrainer(constant);
    const result = await engine.sweep({
      trainer: { name: "constant", version: "1" },
      space: { x: { type: "choice", values: [1, 2, 3] } },
      objective: { metric: "loss", goal: "min" },
      algorithm: "grid",
      maxTrials: 3,
      job: { labels: { team: "risk", "mlstack.parentRun": "run-1" }, maxRuntimeMs: 60_000 },
    });
    expect(result.trials).toHaveLength(3);
    for (const trial of result.trials) {
      const job = await engine.getJob(trial.job.jobId);
      expect(job.spec.labels).toEqual({ team: "risk", trial: String(trial.number), "mlstack.parentRun": "run-1" });
      // The other job settings still apply.
      expect(job.spec.maxRuntimeMs).toBe(60_000);
    }
    const labelled = await engine.listJobs({ labels: { "mlstack.parentRun": "run-1" } });
    expect(labelled.map((j) => j.spec.labels.trial).sort()).toEqual(["0", "1", "2"]);
  });

  it.each([
    ["a label that is not a string", { team: 7 as unknown as string }],
    ["a trial label (the sweep sets it)", { trial: "x" }],
  ])("refuses %s before any trial runs", async (_what, labels) => {
    engine = createTrainingEngine({ executor: inProcessExecutor() });
    await engine.registerTrainer(constant);
    const error = await engine
      .sweep({
        trainer: { name: "constant", version: "1" },
        space: { x: { type: "choice", values: [1] } },
        objective: { metric: "loss", goal: "min" },
        algorithm: "grid",
        maxTrials: 1,
        job: { labels },
      })
      .catch((e: unknown) => e);
    expect(isMlstackError(error, "INVALID_ARGUMENT")).toBe(true);
    expect(await engine.listJobs()).toHaveLength(0);
  });
});
