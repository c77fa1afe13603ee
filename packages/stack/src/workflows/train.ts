import { isMlstackError, MlstackError, parseInput, type TrainingJobRef, trainingJobRefSchema } from "@mlstack/core";
import { MAX_PARAM_VALUE_LENGTH, type Run } from "@mlstack/metadata";
import {
  type JobSpecInput,
  type SweepSpecInput,
  sweepSpecSchema,
  TERMINAL_STATES,
  type TrainingJob,
} from "@mlstack/training";
import type { LineageRecorder } from "../lineage/lineage-recorder.js";
import { EXPERIMENT_LABEL, metadataKey, PARENT_RUN_LABEL } from "../lineage/record-training-job.js";
import type { SlotEntry, StackSweepResult, TrainedModel } from "../spec.js";
import type { StackCore } from "../stack-core.js";

function recorderOf(core: StackCore, what: string): LineageRecorder {
  if (core.lineage === undefined) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `${what} records runs and needs lineage: give the stack a MetadataStore and leave lineage on`,
    );
  }
  return core.lineage;
}

/** The training brick that knows a job (the default first) and the job; `NOT_FOUND` when none does. */
export async function locateJob(
  core: StackCore,
  jobId: string,
): Promise<{ entry: SlotEntry<"training">; job: TrainingJob }> {
  const entries = core.entries().filter((e): e is SlotEntry<"training"> => e.slot === "training");
  if (entries.length === 0) throw new MlstackError("FAILED_PRECONDITION", "the stack has no training brick");
  for (const entry of entries) {
    try {
      return { entry, job: await entry.brick.getJob(jobId) };
    } catch (error) {
      if (!isMlstackError(error, "NOT_FOUND")) throw error;
    }
  }
  throw new MlstackError("NOT_FOUND", `no training job ${jobId} in the stack`, { details: { jobId } });
}

/**
 * The run that records a training job. Waits for pending recording, then finds it by its tag (so it
 * works after a restart); a terminal job whose run is missing (it ended before this stack listened) is
 * recorded now. `FAILED_PRECONDITION` while the job runs, `NOT_FOUND` for a job no brick knows.
 */
export async function runOf(core: StackCore, job: TrainingJobRef): Promise<Run> {
  const ref = parseInput(trainingJobRefSchema, job, "training job ref");
  const recorder = recorderOf(core, "runOf");
  await recorder.idle();
  const located = await locateJob(core, ref.jobId).catch((error: unknown) => error as Error);
  const experiment = located instanceof Error ? undefined : recorder.experimentOf(located.job);
  const run = await recorder.findRun(ref, experiment);
  if (run) return run;
  if (located instanceof Error) throw located;
  if (!TERMINAL_STATES.has(located.job.state)) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `training job ${ref.jobId} is ${located.job.state}; its run is recorded when it ends`,
      { details: { jobId: ref.jobId, state: located.job.state } },
    );
  }
  return recorder.recordJob(located.job, located.entry.path);
}

/**
 * Submits a job through the stack's training brick, waits for it, and returns it with its recorded run.
 * A job that did not succeed is `FAILED_PRECONDITION` naming its state and failure; its run is
 * recorded (`FAILED` or `KILLED`) all the same.
 */
export async function trainJob(core: StackCore, spec: JobSpecInput): Promise<TrainedModel> {
  recorderOf(core, "stack.train");
  const training = core.wired("training");
  const submitted = await training.submit(spec);
  const job = await training.waitFor(submitted.ref.jobId);
  const run = await runOf(core, job.ref);
  if (job.state !== "SUCCEEDED") {
    const failure = job.failure ? `: ${job.failure.message}` : ` (${job.reason})`;
    throw new MlstackError("FAILED_PRECONDITION", `training job ${job.ref.jobId} ended ${job.state}${failure}`, {
      details: { jobId: job.ref.jobId, state: job.state, failure: job.failure, runId: run.runId },
    });
  }
  return { job, run };
}

function sweepParams(spec: ReturnType<typeof sweepSpecSchema.parse>): Array<{ key: string; value: string }> {
  const entries: Array<[string, unknown]> = [
    ["trainer", `${spec.trainer.name}@${spec.trainer.version}`],
    ["algorithm", spec.algorithm],
    ["objective", spec.objective],
    ["space", spec.space],
    ["baseParams", spec.baseParams],
    ["seed", spec.seed],
    ["maxTrials", spec.maxTrials],
    ["parallelism", spec.parallelism],
    ["maxFailedTrials", spec.maxFailedTrials],
    ["earlyStopping", spec.earlyStopping ?? null],
  ];
  return entries.map(([key, value]) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const max = MAX_PARAM_VALUE_LENGTH;
    return { key, value: text.length <= max ? text : `${text.slice(0, max - 13)}…(truncated)` };
  });
}

/**
 * Runs a sweep with lineage: a parent run (the sweep spec as params; the best trial and its objective
 * as metrics at the end) and a child run per trial, tied to it through the trials' job labels.
 */
export async function trainSweep(
  core: StackCore,
  input: SweepSpecInput,
  options: { readonly signal?: AbortSignal },
): Promise<StackSweepResult> {
  const recorder = recorderOf(core, "stack.sweep");
  const spec = parseInput(sweepSpecSchema, input, "sweep spec");
  const training = core.wired("training");
  const labels = spec.job.labels ?? {};
  const experiment = labels[EXPERIMENT_LABEL] ?? core.options.lineage?.experiment ?? core.name;
  const metadata = recorder.metadata;
  // An unknown trainer is refused before the parent run exists.
  const trainers = await training.listTrainers();
  if (!trainers.some((t) => t.name === spec.trainer.name && t.version === spec.trainer.version)) {
    throw new MlstackError("NOT_FOUND", `no trainer ${spec.trainer.name}@${spec.trainer.version}`, {
      details: { trainer: spec.trainer },
    });
  }
  const parent = await recorder.run(`sweep of ${spec.trainer.name}`, async () => {
    const experimentId = await recorder.experimentId(experiment);
    const run = await metadata.createRun({
      experimentId,
      name: `sweep ${spec.trainer.name}@${spec.trainer.version}`,
      tags: {
        "mlstack.sweep": "true",
        "mlstack.trainer": `${spec.trainer.name}@${spec.trainer.version}`,
        "mlstack.sweep.objective": `${spec.objective.goal} ${spec.objective.metric}`,
      },
    });
    try {
      await metadata.logBatch(run.runId, { params: sweepParams(spec) });
    } catch (error) {
      await metadata.endRun(run.runId, "FAILED", { errorMessage: "recording the sweep failed" }).catch(() => undefined);
      throw error;
    }
    return run;
  });
  let result: Awaited<ReturnType<typeof training.sweep>>;
  try {
    result = await training.sweep(
      {
        ...input,
        job: { ...input.job, labels: { ...labels, [EXPERIMENT_LABEL]: experiment, [PARENT_RUN_LABEL]: parent.runId } },
      },
      options.signal ? { signal: options.signal } : {},
    );
  } catch (error) {
    // Refused before any trial ran (bad params): the parent run is ended and deleted, as if never made.
    const refused = isMlstackError(error, "INVALID_ARGUMENT") || isMlstackError(error, "NOT_FOUND");
    await recorder
      .run("sweep end", async () => {
        await metadata.endRun(parent.runId, "FAILED", { errorMessage: (error as Error).message.slice(0, 8000) });
        if (refused) await metadata.deleteRun(parent.runId);
      })
      .catch(() => undefined);
    throw error;
  }
  const runs: Record<number, Run> = {};
  try {
    for (const trial of result.trials) runs[trial.number] = await runOf(core, trial.job);
  } catch (error) {
    const errorMessage = `recording the trials failed: ${(error as Error).message}`.slice(0, 8000);
    await recorder.run("sweep end", () => metadata.endRun(parent.runId, "FAILED", { errorMessage })).catch(() => {});
    throw error;
  }
  const parentRun = await recorder.run("sweep end", async () => {
    const complete = result.trials.filter((t) => t.state === "COMPLETE").length;
    await metadata.logBatch(parent.runId, {
      metrics: [
        { key: "trials", value: result.trials.length },
        { key: "trials_complete", value: complete },
        ...(result.best
          ? [
              { key: "best_trial", value: result.best.number },
              { key: metadataKey(`best_${spec.objective.metric}`), value: result.best.value as number },
            ]
          : []),
      ],
      tags: [
        { key: "mlstack.sweep.stopped", value: result.stoppedReason },
        ...(result.best ? [{ key: "mlstack.sweep.best_job", value: result.best.job.jobId }] : []),
        ...(result.best && runs[result.best.number]
          ? [{ key: "mlstack.sweep.best_run", value: (runs[result.best.number] as Run).runId }]
          : []),
      ],
    });
    const status = result.stoppedReason === "cancelled" ? "KILLED" : result.best === undefined ? "FAILED" : "FINISHED";
    return metadata.endRun(
      parent.runId,
      status,
      status === "FINISHED" ? {} : { errorMessage: `the sweep stopped: ${result.stoppedReason}` },
    );
  });
  return { ...result, parentRun, runs };
}
