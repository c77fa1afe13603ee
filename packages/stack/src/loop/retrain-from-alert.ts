import { MlstackError, type TrainingSetRef, trainingSetRefSchema } from "@mlstack/core";
import type { AlertEvent } from "@mlstack/monitor";
import type { JobSpecInput } from "@mlstack/training";
import type { DriftPolicy, DriftRetrain, StackTrainingSet } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { registerModel } from "../workflows/register-model.js";
import { trainJob } from "../workflows/train.js";
import { findChampion } from "./find-champion.js";
import { recordRetrain } from "./record-retrain.js";

/** The run tag where the lineage recorder keeps the training job a run records. */
export const TRAINING_JOB_TAG = "mlstack.training_job";

/** The job label naming the model version a retrain replaces. */
export const RETRAIN_OF_LABEL = "mlstack.retrain_of";

/** Default percent of traffic a retrained version gets. */
export const DEFAULT_CANARY_WEIGHT = 10;

/**
 * One turn of the drift loop: the champion of the deployment is traced back to its training job, the
 * same trainer is run again with the same params (merged with the policy's) on the policy's training
 * set, the model is registered as the next version, and it gets `canaryWeight` percent of the traffic
 * beside the champion. Recorded in lineage as a `stack.retrain` execution.
 */
export async function retrainFromAlert(core: StackCore, policy: DriftPolicy, alert: AlertEvent): Promise<DriftRetrain> {
  const trainingSet = trainingSetRefOf(await policy.trainingSet(alert));
  const serving = core.wired("serving");
  const metadata = core.wired("metadata");
  const champion = findChampion(await serving.spec(policy.deployment));
  const version = await metadata.getModelVersion(champion.model.model, champion.model.version);
  if (version.runId === null) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `model version ${version.model}/${version.version} has no run, so there is no training job to rerun`,
      { details: { model: version.model, version: version.version } },
    );
  }
  const run = await metadata.getRun(version.runId);
  const jobId = run.tags[TRAINING_JOB_TAG];
  if (jobId === undefined) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `run ${version.runId} of ${version.model}/${version.version} names no training job (tag ${TRAINING_JOB_TAG})`,
      { details: { runId: version.runId, model: version.model, version: version.version } },
    );
  }
  const job = await core.wired("training").getJob(jobId);
  const experiment = job.spec.labels["mlstack.experiment"];
  const spec: JobSpecInput = {
    trainer: job.spec.trainer,
    params: mergeParams(job.spec.params, policy.params),
    inputs: [trainingSet],
    // The same seed: the new model differs from the champion by its data (and policy params) only.
    seed: job.spec.seed,
    resources: job.spec.resources,
    retry: job.spec.retry,
    checkpoints: job.spec.checkpoints,
    ...(job.spec.maxRuntimeMs === undefined ? {} : { maxRuntimeMs: job.spec.maxRuntimeMs }),
    ...(job.spec.graceMs === undefined ? {} : { graceMs: job.spec.graceMs }),
    // Not the champion's other labels: a sweep trial's labels would make the retrain look like a trial.
    labels: {
      [RETRAIN_OF_LABEL]: `${version.model}/${version.version}`,
      ...(experiment === undefined ? {} : { "mlstack.experiment": experiment }),
    },
  };
  const trained = await trainJob(core, spec);
  const registered = await registerModel(core, {
    job: trained.job.ref,
    model: version.model,
    ...(policy.alias === undefined ? {} : { alias: policy.alias }),
  });
  const modelVersion = { kind: "model-version", model: registered.model, version: registered.version } as const;
  const canaryWeight = policy.canaryWeight ?? DEFAULT_CANARY_WEIGHT;
  const deployment = await serving.update(policy.deployment, {
    traffic: [
      { version: champion.label, model: champion.model, weight: 100 - canaryWeight },
      { model: modelVersion, weight: canaryWeight },
    ],
  });
  await recordRetrain(core, {
    alert,
    champion: champion.model,
    trainingSet,
    job: trained.job.ref,
    modelVersion,
    deployment: { kind: "deployment", name: deployment.name, revision: deployment.revision },
    canaryWeight,
  });
  return { alert, trainingSet, job: trained.job.ref, modelVersion, deployment };
}

function trainingSetRefOf(value: StackTrainingSet | TrainingSetRef): TrainingSetRef {
  const ref = typeof value === "object" && value !== null && "ref" in value ? value.ref : value;
  const parsed = trainingSetRefSchema.safeParse(ref);
  if (!parsed.success) {
    throw new MlstackError("INVALID_ARGUMENT", "policy.trainingSet must resolve to a training set or its ref");
  }
  return parsed.data;
}

function mergeParams(params: unknown, overrides: Readonly<Record<string, unknown>> | undefined): unknown {
  if (overrides === undefined) return params;
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      "the champion's params are not an object; policy.params cannot merge",
    );
  }
  return { ...params, ...overrides };
}
