import { MlstackError, type TrainingSetRef, trainingSetRefSchema } from "@mlstack/core";
import type { AlertEvent } from "@mlstack/monitor";
import type { JobSpecInput } from "@mlstack/training";
import { EXPERIMENT_LABEL, RUN_NAME_LABEL, TRAINING_JOB_TAG } from "../lineage/record-training-job.js";
import type { DriftPolicy, DriftRetrain, StackTrainingSet } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { registerModel } from "../workflows/register-model.js";
import { locateJob, trainJob } from "../workflows/train.js";
import { contractOfDeployment } from "./contract-of-deployment.js";
import { findChampion } from "./find-champion.js";
import { recordRetrain } from "./record-retrain.js";

// The tag the loop follows from a model version to its training job; re-exported for users.
export { TRAINING_JOB_TAG };

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
  const serving = core.wired("serving", contractOfDeployment(core, policy.deployment)?.deployment?.brick);
  const metadata = core.wired("metadata");
  const champion = findChampion(await serving.spec(policy.deployment));
  const version = await metadata.getModelVersion(champion.model.model, champion.model.version);
  // registerModel tags the version with its job; a version registered otherwise names it on its run.
  const run = version.runId === null ? undefined : await metadata.getRun(version.runId);
  const jobId = version.tags[TRAINING_JOB_TAG] ?? run?.tags[TRAINING_JOB_TAG];
  if (jobId === undefined) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `model version ${version.model}/${version.version} names no training job (tag ${TRAINING_JOB_TAG} on it or its run)`,
      { details: { model: version.model, version: version.version, runId: version.runId } },
    );
  }
  const { job } = await locateJob(core, jobId);
  const experiment = job.spec.labels[EXPERIMENT_LABEL];
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
      [RUN_NAME_LABEL]: `retrain of ${version.model}/${version.version}`,
      ...(experiment === undefined ? {} : { [EXPERIMENT_LABEL]: experiment }),
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
  return { alert, champion: champion.model, trainingSet, job: trained.job.ref, modelVersion, deployment };
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
