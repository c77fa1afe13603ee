import type { ArtifactStore } from "@mlstack/core";
import {
  BATCH_LIMITS,
  type LogBatchInput,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  type MetadataStore,
  type Run,
  type TerminalRunStatus,
} from "@mlstack/metadata";
import type { JobState, MetricPoint, TrainingJob } from "@mlstack/training";

/** The run tag naming the training job a run records: how `runOf` finds it, also after a restart. */
export const TRAINING_JOB_TAG = "mlstack.training_job";
/** The job label naming the experiment of its run. */
export const EXPERIMENT_LABEL = "mlstack.experiment";
/** The job label naming the parent run of its run (set on sweep trials). */
export const PARENT_RUN_LABEL = "mlstack.parentRun";
/** The job label naming its run. */
export const RUN_NAME_LABEL = "mlstack.runName";

/** What recording a job needs besides the job. */
export interface RecordJobContext {
  readonly metadata: MetadataStore;
  readonly experimentId: string;
  /** The job's metric history, in logged order. */
  readonly history: readonly MetricPoint[];
  /** Where the job's artifacts are (the store training shares); without it no artifact is logged. */
  readonly artifacts: ArtifactStore | undefined;
  /** The training brick's slot path, kept as a tag. */
  readonly brickPath: string;
  readonly now: number;
}

const RUN_STATUS: Readonly<Record<JobState, TerminalRunStatus | undefined>> = {
  QUEUED: undefined,
  RUNNING: undefined,
  RETRYING: undefined,
  SUCCEEDED: "FINISHED",
  FAILED: "FAILED",
  TIMED_OUT: "FAILED",
  CANCELLED: "KILLED",
};

/** A metric, param or tag key the MetadataStore accepts: other characters become `_` rather than failing the run. */
export function metadataKey(k: string): string {
  const cleaned = k
    .replace(/[^A-Za-z0-9_.\- /:]/g, "_")
    .replace(/^\/+/, "_")
    .slice(0, 250);
  return cleaned.split("/").includes("..") ? cleaned.replaceAll("..", "__") : cleaned || "_";
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 13)}…(truncated)`;
}

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The run status a terminal job state maps to (`undefined` for an open one). */
export function runStatusOf(state: JobState): TerminalRunStatus | undefined {
  return RUN_STATUS[state];
}

/** The params of a job's run: its params (JSON), its seed, its trainer, and what the trainer logged. */
export function jobParams(job: TrainingJob): Array<{ key: string; value: string }> {
  const params = new Map<string, string>();
  const given = job.spec.params;
  if (typeof given === "object" && given !== null && !Array.isArray(given)) {
    for (const [k, v] of Object.entries(given)) params.set(metadataKey(k), json(v));
  } else {
    params.set("params", json(given));
  }
  params.set("seed", String(job.spec.seed));
  params.set("trainer", `${job.spec.trainer.name}@${job.spec.trainer.version}`);
  // What the trainer chose or derived; a name taken by a job param is kept apart.
  for (const [k, v] of Object.entries(job.loggedParams)) {
    const name = params.has(metadataKey(k)) ? metadataKey(`trainer.${k}`) : metadataKey(k);
    if (!params.has(name)) params.set(name, json(v));
  }
  return [...params].map(([k, value]) => ({ key: k, value: clip(value, MAX_PARAM_VALUE_LENGTH) }));
}

/** The tags of a job's run: the job, the trainer's code fingerprint, the executor and the environment. */
export function jobTags(job: TrainingJob, brickPath: string): Record<string, string> {
  const r = job.reproducibility;
  const tags: Record<string, string> = {
    [TRAINING_JOB_TAG]: job.ref.jobId,
    "mlstack.training": brickPath,
    "mlstack.trainer": `${r.trainer.name}@${r.trainer.version}`,
    "mlstack.trainer.fingerprint": r.trainer.fingerprint,
    "mlstack.executor": r.executor,
    "mlstack.runtime.node": r.runtime.node,
    "mlstack.runtime.platform": r.runtime.platform,
    "mlstack.runtime.arch": r.runtime.arch,
    "mlstack.job.state": job.state,
    "mlstack.job.retries": String(job.retries),
  };
  const packages = json(r.packages);
  if (packages.length <= MAX_TAG_VALUE_LENGTH) tags["mlstack.packages"] = packages;
  for (const [k, v] of Object.entries(job.spec.labels)) {
    tags[metadataKey(`mlstack.label.${k}`)] = clip(v, MAX_TAG_VALUE_LENGTH);
  }
  return tags;
}

/** The metrics of a job's run: its history with steps, then its final result metrics at the last step of each key. */
export function jobMetrics(job: TrainingJob, history: readonly MetricPoint[], now: number): LogBatchInput["metrics"] {
  const lastStep = new Map<string, number>();
  const metrics = history.map((m) => {
    lastStep.set(m.key, Math.max(lastStep.get(m.key) ?? 0, m.step));
    return { key: metadataKey(m.key), value: m.value, step: m.step, timestamp: m.at };
  });
  // At the key's last step and a later time, the final value is the one a run reports as latest.
  const at = Math.max(job.endedAt ?? now, ...history.map((m) => m.at));
  for (const [k, value] of Object.entries(job.result?.metrics ?? {})) {
    metrics.push({ key: metadataKey(k), value, step: lastStep.get(k) ?? 0, timestamp: at });
  }
  return metrics;
}

/**
 * Records a terminal training job as a run: params, tags, metric history and final metrics, its input
 * refs, its artifacts (the model among them) read from the shared store, then the end status. When a
 * write fails midway the run is ended `FAILED` with the reason, so no run stays open.
 */
export async function recordTrainingJob(
  job: TrainingJob,
  ctx: RecordJobContext,
  options: { readonly parentRunId?: string } = {},
): Promise<Run> {
  const status = runStatusOf(job.state);
  if (status === undefined) throw new Error(`training job ${job.ref.jobId} is ${job.state}, not terminal`);
  const { metadata } = ctx;
  const labels = job.spec.labels;
  const trial = labels.trial;
  const run = await metadata.createRun({
    experimentId: ctx.experimentId,
    name: labels[RUN_NAME_LABEL] ?? (trial !== undefined ? `trial-${trial}` : job.ref.jobId),
    startTime: job.startedAt ?? job.createdAt,
    tags: jobTags(job, ctx.brickPath),
    ...(options.parentRunId === undefined ? {} : { parentRunId: options.parentRunId }),
  });
  try {
    for (const params of chunks(jobParams(job), BATCH_LIMITS.params)) await metadata.logBatch(run.runId, { params });
    for (const metrics of chunks(jobMetrics(job, ctx.history, ctx.now) ?? [], BATCH_LIMITS.metrics)) {
      await metadata.logBatch(run.runId, { metrics });
    }
    if (job.spec.inputs.length > 0) await metadata.logInputs(run.runId, [...job.spec.inputs]);
    if (ctx.artifacts && metadata.capabilities.artifacts) {
      const logged = new Set<string>();
      const entries = Object.entries(job.artifacts);
      const model = job.result?.model;
      if (model && !entries.some(([, ref]) => ref.digest === model.digest)) entries.push(["model", model]);
      for (const [path, ref] of entries) {
        if (logged.has(path)) continue;
        logged.add(path);
        // Content-addressed: the run's copy has the same digest, so it is stored once.
        await metadata.logArtifact(run.runId, metadataKey(path), ctx.artifacts.stream(ref));
      }
    }
    const reason = job.failure?.message ?? job.reason;
    return await metadata.endRun(run.runId, status, {
      endTime: Math.max(job.endedAt ?? ctx.now, run.startTime),
      ...(status === "FINISHED" ? {} : { errorMessage: clip(reason, MAX_TAG_VALUE_LENGTH) }),
    });
  } catch (error) {
    const message = `recording training job ${job.ref.jobId} failed: ${(error as Error).message}`;
    await metadata
      .endRun(run.runId, "FAILED", { errorMessage: clip(message, MAX_TAG_VALUE_LENGTH) })
      .catch(() => undefined);
    throw error;
  }
}
