import {
  canonicalJson,
  type DeploymentRef,
  isMlstackError,
  MlstackError,
  modelVersionRefSchema,
  parseInput,
  type Schema,
  trainingSetRefSchema,
} from "@mlstack/core";
import type { ModelVersion } from "@mlstack/metadata";
import type { DeploymentConfig, Monitor } from "@mlstack/monitor";
import { type DeploymentStatus, type ServingEngine, type Signature, signatureSchema } from "@mlstack/serving";
import { z } from "zod";
import type { ModelContract, StackDeployInput } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { deriveServingSignature } from "./derive-serving-signature.js";
import { rowsToInferenceRequest } from "./rows-to-inference-request.js";

const row = z.custom<Record<string, unknown>>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "expected a row object",
);

/** The zod schema of {@link StackDeployInput}. */
export const stackDeployInputSchema = z.object({
  model: modelVersionRefSchema,
  name: z.string().min(1).optional(),
  runtime: z.string().min(1).optional(),
  signature: signatureSchema.optional(),
  monitor: z
    .object({
      reference: z.object({ rows: z.array(row), trainingSet: trainingSetRefSchema.optional() }).optional(),
      windowMs: z.number().int().positive().optional(),
      task: z.enum(["classification", "regression"]).optional(),
      threshold: z.number().min(0).max(1).optional(),
      driftAlert: z.boolean().optional(),
    })
    .optional(),
  serving: z.string().min(1).optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/** Rows scored per predict call when the reference gets its prediction column. */
const SCORE_BATCH = 1024;

/** What registering with the Monitor needs, worked out (and checked) before anything is deployed. */
interface MonitorPlan {
  readonly monitor: Monitor;
  readonly deployment: DeploymentRef;
  readonly schema: Schema;
  /** The model's input columns, read from the reference rows to score them. */
  readonly columns: readonly string[];
  readonly output: string;
  readonly task: "classification" | "regression";
  readonly existing: DeploymentConfig | undefined;
}

/**
 * Deploys a registered model version: the signature and runtime come from the input, else the model's
 * contract, else the registered signature (one FP64 matrix for the `linear` runtime). With `monitor`,
 * it registers the deployment with the Monitor, scores the reference rows through the new deployment
 * to add their prediction column, sets the reference and adds a `dataset_drift >= 1` alert rule.
 * A failure after the deploy undeploys again.
 */
export async function deployModel(core: StackCore, input: StackDeployInput): Promise<DeploymentStatus> {
  const parsed = parseInput(stackDeployInputSchema, input, "deploy input");
  const metadata = core.wired("metadata");
  const version = await metadata.getModelVersion(parsed.model.model, parsed.model.version);
  if (version.deletedAt !== null) {
    throw new MlstackError("FAILED_PRECONDITION", `model version ${version.model}/${version.version} was deleted`, {
      details: { model: version.model, version: version.version },
    });
  }
  const contract = core.options.models?.find((m) => m.name === version.model);
  const name = parsed.name ?? contract?.deployment?.name ?? version.model;
  const runtime = parsed.runtime ?? contract?.deployment?.runtime ?? "linear";
  const signature = parsed.signature ?? contract?.deployment?.signature ?? registeredSignature(version);
  const serving = core.wired("serving", parsed.serving ?? contract?.deployment?.brick);
  const deployment: DeploymentRef = { kind: "deployment", name };
  // Everything that can be checked is checked before the deploy, so a refusal changes nothing.
  const plan = parsed.monitor && (await planMonitoring(core, deployment, version, contract, signature, parsed.monitor));
  const status = await serving.deploy(
    { name, runtime, signature, model: { kind: "model-version", model: version.model, version: version.version } },
    parsed.signal ? { signal: parsed.signal } : {},
  );
  if (!plan || !parsed.monitor) return status;
  try {
    parsed.signal?.throwIfAborted();
    const monitorInput = parsed.monitor;
    const reference =
      monitorInput.reference &&
      (await scoreReference(serving, name, signature, plan, monitorInput.reference.rows, monitorInput.threshold));
    const config =
      plan.existing ??
      (await plan.monitor.registerDeployment({
        deployment,
        schema: plan.schema,
        prediction: { task: plan.task },
        ...(monitorInput.windowMs === undefined ? {} : { windowMs: monitorInput.windowMs }),
      }));
    if (reference) {
      const trainingSet = monitorInput.reference?.trainingSet;
      await plan.monitor.setReference(deployment, { rows: reference, ...(trainingSet ? { trainingSet } : {}) });
    }
    if (monitorInput.driftAlert !== false) {
      await plan.monitor.putAlertRule({
        id: `${name}.dataset-drift`,
        deployment,
        name: "dataset-drift",
        metric: "dataset_drift",
        comparison: ">=",
        threshold: 1,
        windowMs: config.windowMs,
      });
    }
  } catch (error) {
    await serving.undeploy(name).catch(() => {});
    if (parsed.signal?.aborted && !isMlstackError(error)) {
      throw new MlstackError("CANCELLED", `deploying ${name} was cancelled`, { cause: error });
    }
    throw error;
  }
  return status;
}

function registeredSignature(version: ModelVersion): Signature {
  if (!version.signature) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `model version ${version.model}/${version.version} has no registered signature; give the deployment a signature`,
      { details: { model: version.model, version: version.version } },
    );
  }
  return deriveServingSignature(version.signature);
}

async function planMonitoring(
  core: StackCore,
  deployment: DeploymentRef,
  version: ModelVersion,
  contract: ModelContract | undefined,
  signature: Signature,
  options: NonNullable<z.output<typeof stackDeployInputSchema>["monitor"]>,
): Promise<MonitorPlan> {
  const monitor = core.wired("monitor", contract?.monitor?.brick);
  const schema = contract?.monitor?.schema ?? version.signature?.inputs ?? contract?.signature.inputs;
  if (!schema) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `no schema to monitor ${deployment.name} with: the model version has no registered signature and its contract no monitor schema`,
      { details: { deployment: deployment.name } },
    );
  }
  const inputs = version.signature?.inputs ?? contract?.signature.inputs ?? schema;
  const outputs = signature.outputs;
  const output =
    outputs.find((o) => o.name === "probability") ?? outputs.find((o) => o.name === "prediction") ?? outputs[0];
  if (!output) throw new MlstackError("FAILED_PRECONDITION", "the signature has no output");
  const task = options.task ?? (output.name === "probability" ? "classification" : "regression");
  const existing = await monitor.getDeployment(deployment).catch((error: unknown) => {
    if (isMlstackError(error, "NOT_FOUND")) return undefined;
    throw error;
  });
  // The Monitor cannot forget a deployment, so a redeploy reuses a registration that matches.
  if (existing) {
    const same =
      canonicalJson(existing.schema.fields.map((f) => [f.name, f.type])) ===
        canonicalJson(schema.fields.map((f) => [f.name, f.type])) && existing.prediction?.task === task;
    if (!same) {
      throw new MlstackError(
        "FAILED_PRECONDITION",
        `the monitor already watches ${deployment.name} with another schema or task`,
        { details: { deployment: deployment.name } },
      );
    }
  }
  return {
    monitor,
    deployment,
    schema,
    columns: inputs.fields.map((f) => f.name),
    output: output.name,
    task,
    existing,
  };
}

/** The reference rows with the monitor's columns and the new deployment's prediction. */
async function scoreReference(
  serving: ServingEngine,
  name: string,
  signature: Signature,
  plan: MonitorPlan,
  rows: readonly Record<string, unknown>[],
  threshold = 0.5,
): Promise<Record<string, unknown>[]> {
  const scored: Record<string, unknown>[] = [];
  for (let start = 0; start < rows.length; start += SCORE_BATCH) {
    const batch = rows.slice(start, start + SCORE_BATCH);
    const response = await serving.predict(name, rowsToInferenceRequest(signature, plan.columns, batch));
    const output = response.outputs.find((o) => o.name === plan.output);
    if (!output || output.data.length !== batch.length) {
      throw new MlstackError("INTERNAL", `deployment ${name} did not answer one ${plan.output} per reference row`);
    }
    batch.forEach((r, i) => {
      const value = output.data[i];
      const features: Record<string, unknown> = {};
      for (const f of plan.schema.fields) features[f.name] = r[f.name];
      features.prediction =
        plan.task === "classification" && typeof value === "number" ? (value >= threshold ? 1 : 0) : value;
      scored.push(features);
    });
  }
  return scored;
}
