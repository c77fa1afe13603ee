import { isMlstackError } from "@mlstack/core";
import { modelVersionRef, runExecutionId } from "@mlstack/metadata";
import { defineTrainer } from "@mlstack/training";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestStack, type ModelContract, type TestStack } from "../src/index.js";
import { LINEAR, linearParams, separableTable } from "./fixtures/separable-table.js";

const params = linearParams(3);

// Succeeds without a model.
const metricsOnly = defineTrainer({
  name: "metrics-only",
  version: "1",
  params: z.object({}),
  async run() {
    return { metrics: { score: 1 } };
  },
});

async function trained(stack: TestStack) {
  const input = await separableTable(stack, 60);
  return stack.train({ trainer: LINEAR, params, inputs: [input], seed: 1 });
}

const floats = (...names: string[]) => ({ fields: names.map((name) => ({ name, type: "float64" as const })) });

describe("registerModel", () => {
  it("registers the job's model from its run, with its signature, and points the alias at it", async () => {
    await using stack = await createTestStack();
    const { job, run } = await trained(stack);
    const version = await stack.registerModel({
      job: job.ref,
      model: "clicks",
      alias: "champion",
      description: "first",
      tags: { team: "growth" },
    });
    expect(version).toMatchObject({ model: "clicks", version: "1", runId: run.runId, description: "first" });
    expect(version.source).toEqual(job.result?.model);
    expect(version.signature).toEqual(job.result?.signature);
    expect(version.tags).toEqual({ team: "growth", "mlstack.training_job": job.ref.jobId });
    expect((await stack.metadata.getModelVersionByAlias("clicks", "champion")).version).toBe("1");
    const [move] = await stack.metadata.getAliasHistory("clicks", "champion");
    expect(move?.by).toBe("stack");
    // The registry records run → version, so the version's lineage reaches the run and its input.
    const graph = await stack.lineage(modelVersionRef(version));
    expect(graph.executions.map((e) => e.id)).toContain(runExecutionId(run.runId));
    // A second registration is the next version; the alias moves.
    const second = await stack.registerModel({ job: job.ref, model: "clicks", alias: "champion" });
    expect(second.version).toBe("2");
    expect((await stack.metadata.getModelVersionByAlias("clicks", "champion")).version).toBe("2");
  });

  it("checks the job's signature against the model's contract before registering anything", async () => {
    const contract = (inputs: string[], outputs: string[]): ModelContract => ({
      name: "clicks",
      signature: { inputs: floats(...inputs), outputs: floats(...outputs) },
    });
    // The model reads z, which the contract's inputs do not provide; and it promises no `score` output.
    for (const [inputs, outputs] of [
      [["x"], ["probability"]],
      [
        ["x", "z"],
        ["probability", "score"],
      ],
    ]) {
      await using stack = await createTestStack({ models: [contract(inputs as string[], outputs as string[])] });
      const { job } = await trained(stack);
      const error = await stack.registerModel({ job: job.ref, model: "clicks" }).catch((e: unknown) => e);
      expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
      expect((error as Error).message).toContain("contract");
      expect(await stack.metadata.searchRegisteredModels()).toEqual([]);
    }
    // Inputs the model ignores are fine.
    await using stack = await createTestStack({ models: [contract(["x", "z", "w"], ["probability"])] });
    const { job } = await trained(stack);
    await expect(stack.registerModel({ job: job.ref, model: "clicks" })).resolves.toMatchObject({ version: "1" });
  });

  it("refuses a job that did not succeed or made no model, an unknown job, and bad input", async () => {
    await using stack = await createTestStack({ trainers: [metricsOnly] });
    const noModel = await stack.train({ trainer: { name: "metrics-only", version: "1" } });
    const error = await stack.registerModel({ job: noModel.job.ref, model: "m" }).catch((e: unknown) => e);
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    const unknown = await stack
      .registerModel({ job: { kind: "training-job", jobId: "nope" }, model: "m" })
      .catch((e: unknown) => e);
    expect(isMlstackError(unknown, "NOT_FOUND")).toBe(true);
    for (const input of [
      { job: noModel.job.ref, model: "" },
      { job: noModel.job.ref, model: "m", alias: "latest" },
      { job: { kind: "run", runId: "x" }, model: "m" },
    ]) {
      const bad = await stack.registerModel(input as never).catch((e: unknown) => e);
      expect(isMlstackError(bad, "INVALID_ARGUMENT")).toBe(true);
    }
    expect(await stack.metadata.searchRegisteredModels()).toEqual([]);
  });
});
