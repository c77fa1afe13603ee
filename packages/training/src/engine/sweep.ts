import { createRandom, MlstackError, parseInput } from "@mlstack/core";
import PQueue from "p-queue";
import { type SweepSpecInput, sweepSpecSchema } from "../schemas.js";
import type { SweepResult, TrainingEngine, TrainingEvents, Trial } from "../spec.js";
import { medianStoppingRule } from "./median-stopping-rule.js";
import { gridTrials, sampleTrial } from "./search-space.js";

/** What a sweep needs from its engine besides the public interface. */
export interface SweepDependencies {
  readonly signal: AbortSignal | undefined;
  /** Throws `NOT_FOUND` or `INVALID_ARGUMENT` when the trainer would not accept these params. */
  validateParams(trainer: { name: string; version: string }, params: unknown): void;
}

const PRUNED = "pruned by the median stopping rule";

/**
 * Runs a sweep on an engine: generates the trials (grid or seeded random), validates all of them before
 * any runs, runs at most `parallelism` at once, prunes with the median stopping rule and stops starting
 * trials once more than `maxFailedTrials` have failed.
 */
export async function runSweep(
  engine: TrainingEngine,
  input: SweepSpecInput,
  deps: SweepDependencies,
): Promise<SweepResult> {
  const spec = parseInput(sweepSpecSchema, input, "sweep spec");
  const random = createRandom(spec.seed);
  const points =
    spec.algorithm === "grid"
      ? gridTrials(spec.space, spec.maxTrials)
      : Array.from({ length: spec.maxTrials }, () => sampleTrial(spec.space, random));
  const planned = points.map((point, number) => ({
    number,
    point,
    params: { ...spec.baseParams, ...point },
    seed: createRandom(`${spec.seed}:${number}`).uint32(),
  }));
  for (const trial of planned) deps.validateParams(spec.trainer, trial.params);

  const { metric, goal } = spec.objective;
  const completedCurves: Map<number, number>[] = [];
  const running = new Map<string, Map<number, number>>();
  const pruned = new Set<string>();
  const trials: Trial[] = [];
  let failed = 0;
  let stoppedReason = "completed";
  const queue = new PQueue({ concurrency: spec.parallelism });

  const onMetric: TrainingEvents["metric"] = (event) => {
    const curve = running.get(event.job.jobId);
    if (!curve || event.key !== metric) return;
    curve.set(event.step, event.value);
    const early = spec.earlyStopping;
    if (
      early &&
      !pruned.has(event.job.jobId) &&
      medianStoppingRule({ goal, ...early }, completedCurves, curve, event.step)
    ) {
      pruned.add(event.job.jobId);
      void engine.cancel(event.job.jobId, PRUNED).catch(() => undefined);
    }
  };
  const onAbort = () => {
    // Trials not started yet see the reason and return at once (clearing the queue would strand their promises).
    stoppedReason = "cancelled";
    for (const jobId of running.keys()) void engine.cancel(jobId, "the sweep was cancelled").catch(() => undefined);
  };
  engine.on("metric", onMetric);
  deps.signal?.addEventListener("abort", onAbort, { once: true });
  if (deps.signal?.aborted) onAbort();

  const runTrial = async (trial: (typeof planned)[number]): Promise<void> => {
    if (stoppedReason !== "completed") return;
    const { labels, ...job } = spec.job;
    const submitted = await engine.submit({
      ...job,
      trainer: spec.trainer,
      params: trial.params,
      inputs: spec.inputs,
      seed: trial.seed,
      labels: { ...labels, trial: String(trial.number) },
    });
    const jobId = submitted.ref.jobId;
    const curve = new Map<number, number>();
    running.set(jobId, curve);
    const final = await engine.waitFor(jobId);
    running.delete(jobId);
    const base = { number: trial.number, params: trial.point, job: final.ref, intermediate: Object.fromEntries(curve) };
    let value = final.result?.metrics[metric];
    if (value === undefined && curve.size > 0) value = curve.get(Math.max(...curve.keys()));
    if (final.state === "SUCCEEDED" && value !== undefined && Number.isFinite(value)) {
      trials.push({ ...base, state: "COMPLETE", value, reason: final.reason });
      completedCurves.push(curve);
    } else if (final.state === "CANCELLED" && pruned.has(jobId)) {
      trials.push({ ...base, state: "PRUNED", reason: PRUNED });
    } else {
      const reason = final.state === "SUCCEEDED" ? `the result has no finite "${metric}" metric` : final.reason;
      trials.push({ ...base, state: "FAILED", reason });
      if (++failed > spec.maxFailedTrials && stoppedReason === "completed") {
        stoppedReason = "max failed trials exceeded";
      }
    }
    engine.emit("progress", { task: "sweep", done: trials.length, total: planned.length, unit: "trials" });
  };

  try {
    await Promise.all(planned.map((trial) => queue.add(() => runTrial(trial))));
  } finally {
    engine.off("metric", onMetric);
    deps.signal?.removeEventListener("abort", onAbort);
  }
  if (trials.length === 0 && stoppedReason === "completed" && planned.length > 0) {
    throw new MlstackError("INTERNAL", "the sweep ran no trials");
  }
  trials.sort((a, b) => a.number - b.number);
  const complete = trials.filter((t) => t.state === "COMPLETE");
  const best = complete.reduce<Trial | undefined>(
    (b, t) =>
      b === undefined ||
      (goal === "min" ? (t.value as number) < (b.value as number) : (t.value as number) > (b.value as number))
        ? t
        : b,
    undefined,
  );
  return { trials, ...(best ? { best } : {}), stoppedReason };
}
