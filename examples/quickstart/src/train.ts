// Data → features → training → metadata: versions a batch of loans, turns it into a point-in-time training
// set, trains on it and records each training job as a MetadataStore run.
import { type DataCommitRef, MlstackError, type ModelVersionRef, type TrainingSetRef } from "@mlstack/core";
import type { TrainingJob } from "@mlstack/training";
import type { Bricks } from "./bricks.js";
import { FEATURES, type Loan, loanSchema } from "./data-set.js";

export const REPO = "loans";
export const VIEW = "applicant_profile";
export const MODEL = "loan-default";
const TRAINER = { name: "mlstack.linear", version: "1" };

/** The trainer's params shared by every job. */
export const BASE_PARAMS = {
  task: "binary-classification",
  features: [...FEATURES],
  label: "defaulted",
  epochs: 30,
  batchSize: 128,
};

/** A versioned batch of loans and the training set built from it. */
export interface VersionedTrainingSet {
  readonly commit: DataCommitRef;
  readonly trainingSet: TrainingSetRef;
  /** The training set's rows (entity columns, label and features). */
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * Commits `loans` as the table `path`, points the feature view's lineage at that commit, ingests the
 * profiles read back from it, and builds the training set of its applications (label: `defaulted`).
 */
export async function versionAndBuildTrainingSet(
  bricks: Bricks,
  loans: readonly Loan[],
  path: string,
  message: string,
): Promise<VersionedTrainingSet> {
  const { data, features, inputs } = bricks;
  const { commit } = await data.commitTable(REPO, "main", path, loanSchema, loans, { message });
  await features.apply({
    entities: [{ name: "applicant", joinKeys: [{ name: "applicant_id", type: "int64" }] }],
    featureViews: [
      {
        name: VIEW,
        entities: ["applicant"],
        schema: {
          fields: FEATURES.map((name) => ({ name, type: name === "age" ? ("int32" as const) : ("float64" as const) })),
        },
        source: { dataRef: commit.ref },
      },
    ],
  });
  // Ingest what the data commit holds (read back and validated), not the generator's copy.
  const stored: Loan[] = [];
  for await (const loan of data.readTable(REPO, commit.id, path, loanSchema)) stored.push(loan);
  await features.ingest(
    VIEW,
    stored.map(({ applied_at: _a, defaulted: _d, profile_time, ...rest }) => ({
      ...rest,
      event_timestamp: profile_time,
    })),
  );
  const set = await features.getHistoricalFeatures({
    entityRows: stored.map((l) => ({
      applicant_id: l.applicant_id,
      event_timestamp: l.applied_at,
      defaulted: l.defaulted,
    })),
    features: FEATURES.map((f) => `${VIEW}:${f}`),
  });
  inputs.set(set.ref, set.rows);
  return { commit: commit.ref, trainingSet: set.ref, rows: set.rows };
}

/** Runs a grid sweep over the L2 strength; returns every trial's job in trial order, the best one and its l2. */
export async function sweepL2(bricks: Bricks, set: VersionedTrainingSet, l2Values: number[]) {
  const result = await bricks.training.sweep({
    trainer: TRAINER,
    baseParams: BASE_PARAMS,
    space: { l2: { type: "choice", values: l2Values } },
    objective: { metric: "log_loss", goal: "min" },
    algorithm: "grid",
    seed: 7,
    maxTrials: l2Values.length,
    parallelism: 2,
    inputs: [set.trainingSet],
  });
  if (!result.best) throw new MlstackError("FAILED_PRECONDITION", `the sweep found no model: ${result.stoppedReason}`);
  const jobs = await Promise.all(result.trials.map((t) => bricks.training.getJob(t.job.jobId)));
  return { jobs, best: await bricks.training.getJob(result.best.job.jobId), bestL2: result.best.params.l2 as number };
}

/** Trains one model with the given l2 and waits for it. */
export async function trainOnce(bricks: Bricks, set: VersionedTrainingSet, l2: number): Promise<TrainingJob> {
  const job = await bricks.training.submit({
    trainer: TRAINER,
    params: { ...BASE_PARAMS, l2 },
    inputs: [set.trainingSet],
    seed: 7,
  });
  return bricks.training.waitFor(job.ref.jobId);
}

/**
 * Records a finished training job as a run of `experimentId`: its params, final metrics and per-epoch
 * losses, its inputs (the data commit and the training set) and its model as the run's artifact.
 */
export async function logRun(bricks: Bricks, experimentId: string, job: TrainingJob, set: VersionedTrainingSet) {
  const { metadata, training } = bricks;
  const model = job.result?.model;
  if (job.state !== "SUCCEEDED" || !model)
    throw new MlstackError("FAILED_PRECONDITION", `training job ${job.ref.jobId} ended ${job.state}`);
  const params = job.reproducibility.params as Record<string, unknown>;
  const run = await metadata.createRun({ experimentId, name: `l2=${params.l2}` });
  await metadata.logInputs(run.runId, [set.commit, set.trainingSet]);
  const history = await training.metrics(job.ref.jobId);
  await metadata.logBatch(run.runId, {
    params: [
      ...Object.entries(params).map(([key, value]) => ({ key, value: JSON.stringify(value) })),
      { key: "seed", value: String(job.reproducibility.seed) },
      { key: "trainer", value: `${TRAINER.name}@${TRAINER.version}` },
    ],
    metrics: [
      ...history.map((m) => ({ key: m.key, value: m.value, step: m.step })),
      ...Object.entries(job.result?.metrics ?? {}).map(([key, value]) => ({ key, value })),
    ],
    tags: [{ key: "training_job", value: job.ref.jobId }],
  });
  // The trainer wrote the model into the shared artifact store; the run logs the same bytes (stored once).
  const artifact = await metadata.logArtifact(run.runId, "model.json", await bricks.artifacts.get(model));
  await metadata.endRun(run.runId, "FINISHED");
  return { runId: run.runId, params, artifact, signature: job.result?.signature, metrics: job.result?.metrics ?? {} };
}

/** Registers a logged run's model as the next version of {@link MODEL}, with the trainer's signature. */
export async function registerModel(bricks: Bricks, run: Awaited<ReturnType<typeof logRun>>): Promise<ModelVersionRef> {
  const version = await bricks.metadata.createModelVersion(MODEL, {
    source: run.artifact,
    runId: run.runId,
    ...(run.signature ? { signature: run.signature } : {}),
  });
  return { kind: "model-version", model: MODEL, version: version.version };
}
