import { compareSchemas, isMlstackError, MlstackError, parseInput, trainingJobRefSchema } from "@mlstack/core";
import { aliasSchema, keySchema, type ModelVersion, modelNameSchema, tagValueSchema } from "@mlstack/metadata";
import { z } from "zod";
import { TRAINING_JOB_TAG } from "../lineage/record-training-job.js";
import type { RegisterModelInput } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { locateJob, runOf } from "./train.js";

const inputSchema = z.object({
  job: trainingJobRefSchema,
  model: modelNameSchema,
  alias: aliasSchema.optional(),
  description: z.string().max(5000).optional(),
  tags: z.record(keySchema, tagValueSchema).optional(),
});

/**
 * Registers a succeeded job's model as the next version of a registered model (created when missing):
 * source = the job's model artifact (in the store the ServingEngine reads), run = the job's recorded
 * run (so the registry records run → version lineage), signature = the job's. When the stack declares a
 * contract for the model, the signature is checked against it first (`FAILED_PRECONDITION`, nothing
 * registered). With `alias`, the alias is pointed at the new version.
 */
export async function registerModel(core: StackCore, input: RegisterModelInput): Promise<ModelVersion> {
  const q = parseInput(inputSchema, input, "register model input");
  const metadata = core.wired("metadata");
  const { job } = await locateJob(core, q.job.jobId);
  const model = job.result?.model;
  const signature = job.result?.signature;
  if (job.state !== "SUCCEEDED" || model === undefined || signature === undefined) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      job.state === "SUCCEEDED"
        ? `training job ${job.ref.jobId} returned no model`
        : `training job ${job.ref.jobId} is ${job.state}, not SUCCEEDED`,
      { details: { jobId: job.ref.jobId, state: job.state } },
    );
  }
  const contract = core.options.models?.find((m) => m.name === q.model);
  if (contract) {
    // The contract's inputs feed the model; the model's outputs feed what the contract promises.
    const issues = [
      ...compareSchemas(contract.signature.inputs, signature.inputs).issues.map((i) => ({ side: "inputs", ...i })),
      ...compareSchemas(signature.outputs, contract.signature.outputs).issues.map((i) => ({ side: "outputs", ...i })),
    ].filter((i) => i.severity === "error");
    if (issues.length > 0) {
      throw new MlstackError(
        "FAILED_PRECONDITION",
        `the model of training job ${job.ref.jobId} does not fit the contract of ${q.model}: ${issues
          .map((i) => `${i.side}: ${i.message}`)
          .join("; ")}`,
        {
          details: {
            model: q.model,
            jobId: job.ref.jobId,
            issues: issues.map((i) => ({ side: i.side, code: i.code, field: i.field, message: i.message })),
          },
        },
      );
    }
  }
  const run = core.lineage ? await runOf(core, job.ref) : undefined;
  try {
    await metadata.getRegisteredModel(q.model);
  } catch (error) {
    if (!isMlstackError(error, "NOT_FOUND")) throw error;
    await metadata.createRegisteredModel(q.model).catch((e: unknown) => {
      if (!isMlstackError(e, "ALREADY_EXISTS")) throw e;
    });
  }
  const version = await metadata.createModelVersion(q.model, {
    source: model,
    signature,
    tags: { ...q.tags, [TRAINING_JOB_TAG]: job.ref.jobId },
    ...(run ? { runId: run.runId } : {}),
    ...(q.description === undefined ? {} : { description: q.description }),
  });
  if (q.alias !== undefined) await metadata.setAlias(q.model, q.alias, version.version, { by: "stack" });
  return version;
}
