import type {
  ArtifactRef,
  Brick,
  BrickRequirement,
  ProgressEvent,
  Random,
  Ref,
  SPECIFICATION_VERSION,
  TrainingJobRef,
  TypedEmitter,
} from "@mlstack/core";
import type { z } from "zod";
import type {
  FailureKind,
  JobSpec,
  JobSpecInput,
  SweepSpecInput,
  TrainerResult,
  TrainerResultInput,
} from "./schemas.js";

/** The states of a job. `SUCCEEDED`, `FAILED`, `CANCELLED` and `TIMED_OUT` are terminal and never change. */
export type JobState = "QUEUED" | "RUNNING" | "RETRYING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "TIMED_OUT";

/** The terminal job states. */
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"]);

/** What a trainer reports through `ctx.log` and `ctx.checkpoint`. */
export interface TrainerLog {
  /** Records a metric value at a step (steps let sweeps compare trials at the same point). */
  metric(key: string, value: number, step?: number): void;
  /** Records a param the trainer chose or derived. */
  param(key: string, value: unknown): void;
}

/** The checkpoints of the running job: what a retry resumes from. */
export interface TrainerCheckpoints {
  /** Saves a JSON-serialisable value; resolves once it is stored. */
  save(value: unknown): Promise<void>;
  /** The latest saved value of this job (also from an earlier attempt), or undefined. */
  latest(): Promise<unknown>;
}

/** The job's inputs, read through the bricks the engine was given. */
export interface TrainerInputs {
  /** The refs the job declared. */
  readonly refs: readonly Ref[];
  /** Reads the rows of one declared input (the first when `ref` is omitted). */
  read(ref?: Ref): AsyncIterable<Record<string, unknown>>;
}

/** Where a trainer stores files. */
export interface TrainerArtifacts {
  /** Stores bytes under a job-relative path and returns their artifact ref. */
  put(path: string, bytes: Uint8Array | string): Promise<ArtifactRef>;
}

/** What a trainer's `run` receives. */
export interface TrainerContext<P> {
  /** The job, as a ref. */
  readonly job: TrainingJobRef;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** The params, validated by the trainer's schema. */
  readonly params: P;
  /** The job's seed. */
  readonly seed: number;
  /** A PRNG seeded with the job's seed. */
  readonly random: Random;
  readonly inputs: TrainerInputs;
  readonly log: TrainerLog;
  readonly checkpoint: TrainerCheckpoints;
  readonly artifacts: TrainerArtifacts;
  /** Aborted when the job is cancelled or runs out of time. */
  readonly signal: AbortSignal;
  /** Reports progress (`done` of `total` units). */
  progress(done: number, total?: number, unit?: string): void;
}

/** A named, versioned training program. */
export interface Trainer<P = unknown> {
  readonly name: string;
  readonly version: string;
  /** The zod schema of its params. */
  readonly params: z.ZodType<P>;
  /**
   * The URL of the module that exports this trainer (pass `import.meta.url`). Worker threads and child
   * processes import it from there, and its bytes are the trainer's code fingerprint.
   */
  readonly module?: string;
  /** The training program. */
  run(ctx: TrainerContext<P>): Promise<TrainerResultInput>;
}

/**
 * A trainer that is an external program (any language) speaking the JSON-lines protocol of the
 * child-process executor (see docs/bricks/training.md). Only the child-process executor runs it.
 */
export interface CommandTrainer<P = unknown> {
  readonly name: string;
  readonly version: string;
  readonly params: z.ZodType<P>;
  /** The program and its arguments, e.g. `["python", "train.py"]`. */
  readonly command: readonly [string, ...string[]];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Files whose bytes make up the code fingerprint (e.g. the script). */
  readonly codeFiles?: readonly string[];
}

/** Any trainer the engine can register. */
export type AnyTrainer = Trainer<unknown> | CommandTrainer<unknown>;

/** A registered trainer as listed by the engine. */
export interface TrainerInfo {
  readonly name: string;
  readonly version: string;
  /** `sha256:<hex>` of its code. */
  readonly fingerprint: string;
  readonly module?: string;
  readonly command?: readonly string[];
}

/** Why an attempt failed. */
export interface JobFailure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The MlstackError code, when the trainer threw one. */
  readonly code?: string;
}

/** One attempt of a job. */
export interface JobAttempt {
  readonly attempt: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly failure?: JobFailure;
  /** Whether this failure was classified transient and retried. */
  readonly retried?: boolean;
}

/** A transition of a job, also emitted as the `transition` event. */
export interface JobTransition {
  readonly job: TrainingJobRef;
  readonly from: JobState | null;
  readonly to: JobState;
  /** Clock time of the transition. */
  readonly at: number;
  readonly reason: string;
  readonly attempt: number;
}

/** A metric point logged by a trainer. */
export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  readonly at: number;
  readonly attempt: number;
}

/** A stored checkpoint. */
export interface Checkpoint {
  /** Increases by one with every save of the job. */
  readonly sequence: number;
  readonly attempt: number;
  readonly at: number;
  readonly value: unknown;
}

/** Everything needed to know, later, exactly how a job's model was made. */
export interface ReproducibilityRecord {
  readonly job: TrainingJobRef;
  readonly trainer: TrainerInfo;
  readonly params: unknown;
  readonly seed: number;
  readonly inputs: readonly Ref[];
  readonly executor: string;
  readonly runtime: { readonly node: string; readonly platform: string; readonly arch: string };
  /** Versions of the packages the trainer's module imports (from the lockfile when there is one). */
  readonly packages: Readonly<Record<string, string>>;
  readonly times: { readonly createdAt: number; readonly startedAt?: number; readonly endedAt?: number };
  readonly state: JobState;
  /** Why the job ended (or where it is). */
  readonly exitReason: string;
}

/** A job as the engine reports it. */
export interface TrainingJob {
  readonly ref: TrainingJobRef;
  readonly state: JobState;
  /** The spec with defaults applied, params validated and the seed resolved. */
  readonly spec: JobSpec & { readonly seed: number };
  readonly attempts: readonly JobAttempt[];
  /** How many retries ran. */
  readonly retries: number;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  /** Why it is in its state. */
  readonly reason: string;
  readonly failure?: JobFailure;
  readonly result?: TrainerResult;
  /** Params the trainer logged with `ctx.log.param`. */
  readonly loggedParams: Readonly<Record<string, unknown>>;
  /** Artifacts the trainer stored, by path. */
  readonly artifacts: Readonly<Record<string, ArtifactRef>>;
  readonly reproducibility: ReproducibilityRecord;
}

/** Filters of {@link TrainingEngine.listJobs}. */
export interface ListJobsOptions {
  state?: JobState;
  trainer?: string;
  /** Jobs carrying all of these labels. */
  labels?: Record<string, string>;
}

/** A trial's state in a sweep. */
export type TrialState = "COMPLETE" | "PRUNED" | "FAILED";

/** One trial of a sweep. */
export interface Trial {
  /** 0-based order in which the trial was generated. */
  readonly number: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly state: TrialState;
  readonly job: TrainingJobRef;
  /** The final objective value (COMPLETE trials). */
  readonly value?: number;
  /** Objective values by step, as logged. */
  readonly intermediate: Readonly<Record<number, number>>;
  readonly reason: string;
}

/** What a sweep returns. */
export interface SweepResult {
  readonly trials: readonly Trial[];
  /** The best COMPLETE trial, if any. */
  readonly best?: Trial;
  /** Why it stopped: `completed`, `max failed trials exceeded` or `cancelled`. */
  readonly stoppedReason: string;
}

/** Events of a TrainingEngine. */
export interface TrainingEvents {
  /** Every job state transition. */
  transition: (event: JobTransition) => void;
  /** Every metric a trainer logs. */
  metric: (event: { job: TrainingJobRef } & MetricPoint) => void;
  /** Every checkpoint saved. */
  checkpoint: (event: { job: TrainingJobRef; sequence: number; attempt: number; at: number }) => void;
  /** Trainer progress (`task` is `job:<jobId>`) and sweep progress (`task` is `sweep`). */
  progress: (event: ProgressEvent) => void;
}

/** The capability manifest of a TrainingEngine. */
export interface TrainingCapabilities extends Record<string, boolean> {
  /** A trainer that crashes, exits or hangs cannot take the host down (thread or process isolation). */
  isolation: boolean;
  /** `resources.memoryMb` is enforced. */
  memoryLimits: boolean;
  /** A running trainer that ignores its signal can be terminated. */
  terminate: boolean;
  /** `sweep` is available. */
  sweeps: boolean;
  /** Runs {@link CommandTrainer}s (external programs). */
  commands: boolean;
}

/** Options of {@link TrainingEngine.waitFor}. */
export interface WaitOptions {
  signal?: AbortSignal;
}

/** The TrainingEngine brick, v1. */
export interface TrainingEngine extends Brick<"training", TrainingCapabilities>, TypedEmitter<TrainingEvents> {
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** The most jobs that run at once. */
  readonly concurrency: number;
  /** Registers a trainer; `ALREADY_EXISTS` when another trainer has the same name and version. */
  registerTrainer(trainer: AnyTrainer): Promise<TrainerInfo>;
  listTrainers(): Promise<TrainerInfo[]>;
  /**
   * Validates and queues a job. `NOT_FOUND` for an unknown trainer, `INVALID_ARGUMENT` for a bad spec or
   * params, `FAILED_PRECONDITION` when the executor cannot run the trainer; nothing is queued then.
   */
  submit(spec: JobSpecInput): Promise<TrainingJob>;
  getJob(jobId: string): Promise<TrainingJob>;
  listJobs(options?: ListJobsOptions): Promise<TrainingJob[]>;
  /** Resolves with the job once it is terminal. */
  waitFor(jobId: string, options?: WaitOptions): Promise<TrainingJob>;
  /**
   * Cancels a job: a queued one is removed, a running one gets its signal aborted, then is terminated
   * after its grace period. Resolves once it is terminal. Cancelling a terminal job changes nothing.
   */
  cancel(jobId: string, reason?: string): Promise<TrainingJob>;
  /** The job's transitions, oldest first. */
  transitions(jobId: string): Promise<JobTransition[]>;
  /** The job's metric points, in logged order. */
  metrics(jobId: string): Promise<MetricPoint[]>;
  /** The job's kept checkpoints, oldest first. */
  checkpoints(jobId: string): Promise<Checkpoint[]>;
  /** Runs a hyperparameter sweep; aborting `signal` cancels its running trials. */
  sweep(spec: SweepSpecInput, options?: { signal?: AbortSignal }): Promise<SweepResult>;
}

/**
 * Reads the rows of an input ref for a trainer. The Stack wires it to the FeatureStore and DataEngine;
 * tests use `MemoryInputResolver`. It runs in the engine's thread: rows cross to the trainer's thread
 * or process in batches as the trainer reads them.
 */
export interface InputResolver {
  read(ref: Ref, signal: AbortSignal): AsyncIterable<Record<string, unknown>>;
  /** The bricks it reads from, declared so that a Stack can check they are there (the engine's `requires`). */
  readonly requires?: readonly BrickRequirement[];
}
