import { availableParallelism } from "node:os";
import {
  type ArtifactStore,
  type BrickRequirement,
  type Clock,
  createUuidV7Generator,
  defineCapabilities,
  type IdGenerator,
  MemoryArtifactStore,
  MlstackError,
  parseInput,
  SPECIFICATION_VERSION,
  SystemClock,
  TypedEmitter,
  toMlstackError,
} from "@mlstack/core";
import PQueue from "p-queue";
import { isCommandTrainer, isTrainer } from "../define-trainer.js";
import type { ExecutionOutcome, Executor } from "../executors/executor.js";
import { workerThreadsExecutor } from "../executors/worker-threads.js";
import {
  type JobSpecInput,
  jobSpecSchema,
  type SweepSpecInput,
  type TrainerResult,
  trainerResultSchema,
} from "../schemas.js";
import type {
  AnyTrainer,
  Checkpoint,
  InputResolver,
  JobAttempt,
  JobFailure,
  JobState,
  JobTransition,
  ListJobsOptions,
  MetricPoint,
  SweepResult,
  TrainerInfo,
  TrainingCapabilities,
  TrainingEngine,
  TrainingEvents,
  TrainingJob,
  WaitOptions,
} from "../spec.js";
import { MemoryTrainingStorage } from "../storage/memory.js";
import type { TrainingStorage } from "../storage/spec.js";
import { createAttemptHost } from "./attempt-host.js";
import { classifyFailure, shouldRetry } from "./classify-failure.js";
import { describeTrainer, type TrainerDescription } from "./describe-trainer.js";
import { isTerminal, jobLifecycle } from "./job-lifecycle.js";
import { jobSeed } from "./job-seed.js";
import { runSweep } from "./sweep.js";

/** Options of {@link createTrainingEngine}. */
export interface TrainingEngineOptions {
  /** Where attempts run; default {@link workerThreadsExecutor}. */
  executor?: Executor;
  /** Where jobs, transitions, metrics and checkpoints are kept; default in memory. */
  storage?: TrainingStorage;
  /** Where trainers' artifacts go; default in memory. */
  artifacts?: ArtifactStore;
  /** Reads the inputs jobs declare. */
  inputs?: InputResolver;
  /** The most jobs that run at once; default the number of CPUs. */
  concurrency?: number;
  /** Default grace period of a cancelled or timed-out trainer, in ms; default 5000. */
  graceMs?: number;
  clock?: Clock;
  ids?: IdGenerator;
  /** The implementation's name; default the executor's. */
  name?: string;
}

const DEFAULT_CAPABILITIES: TrainingCapabilities = {
  isolation: false,
  memoryLimits: false,
  terminate: false,
  sweeps: true,
  commands: false,
};

interface Registered {
  readonly trainer: AnyTrainer;
  readonly description: TrainerDescription;
}

// The engine's live view of a job that is not terminal yet.
interface Active {
  job: TrainingJob;
  started: boolean;
  readonly controller: AbortController;
  stop?: { state: "CANCELLED" | "TIMED_OUT"; reason: string };
  writes: Promise<void>;
  checkpointSequence: number;
}

const trainerKey = (name: string, version: string) => `${name}@${version}`;

/** The reference TrainingEngine: the rules of jobs, retries, checkpoints and sweeps over a storage and an executor. */
export class ReferenceTrainingEngine extends TypedEmitter<TrainingEvents> implements TrainingEngine {
  readonly kind = "training" as const;
  readonly name: string;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: Readonly<TrainingCapabilities>;
  readonly coverage = Object.freeze({ training: "full", tuning: "partial" } as const);
  /** What its input resolver reads from. */
  readonly requires: readonly BrickRequirement[];
  readonly concurrency: number;
  readonly #executor: Executor;
  readonly #storage: TrainingStorage;
  readonly #artifacts: ArtifactStore;
  readonly #inputs: InputResolver | undefined;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #graceMs: number;
  readonly #queue: PQueue;
  readonly #trainers = new Map<string, Registered>();
  readonly #active = new Map<string, Active>();
  readonly #waiters = new Map<string, Set<(job: TrainingJob) => void>>();
  #stopped = false;

  constructor(options: TrainingEngineOptions = {}) {
    super();
    this.#executor = options.executor ?? workerThreadsExecutor();
    this.#storage = options.storage ?? new MemoryTrainingStorage();
    this.#artifacts = options.artifacts ?? new MemoryArtifactStore();
    this.#inputs = options.inputs;
    this.requires = Object.freeze([...(options.inputs?.requires ?? [])]);
    this.#clock = options.clock ?? new SystemClock();
    this.#ids = options.ids ?? createUuidV7Generator({ clock: this.#clock });
    this.#graceMs = options.graceMs ?? 5000;
    this.concurrency = options.concurrency ?? availableParallelism();
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new MlstackError("INVALID_ARGUMENT", `concurrency must be a positive integer, got ${this.concurrency}`);
    }
    this.#queue = new PQueue({ concurrency: this.concurrency });
    this.name = options.name ?? this.#executor.name;
    this.capabilities = defineCapabilities(DEFAULT_CAPABILITIES, { ...this.#executor.capabilities });
  }

  async registerTrainer(trainer: AnyTrainer): Promise<TrainerInfo> {
    if (!isTrainer(trainer))
      throw new MlstackError("INVALID_ARGUMENT", "not a trainer: use defineTrainer or defineCommandTrainer");
    const key = trainerKey(trainer.name, trainer.version);
    const existing = this.#trainers.get(key);
    if (existing?.trainer === trainer) return existing.description.info;
    if (isCommandTrainer(trainer)) requireCommands(this);
    const description = await describeTrainer(trainer);
    const raced = this.#trainers.get(key);
    if (raced && raced.trainer !== trainer) {
      throw new MlstackError("ALREADY_EXISTS", `another trainer ${key} is registered`, { details: { trainer: key } });
    }
    if (existing) {
      throw new MlstackError("ALREADY_EXISTS", `another trainer ${key} is registered`, { details: { trainer: key } });
    }
    this.#trainers.set(key, { trainer, description });
    return description.info;
  }

  async listTrainers(): Promise<TrainerInfo[]> {
    return [...this.#trainers.values()].map((r) => r.description.info);
  }

  async submit(input: JobSpecInput): Promise<TrainingJob> {
    if (this.#stopped) throw new MlstackError("FAILED_PRECONDITION", "the training engine is stopped");
    const spec = parseInput(jobSpecSchema, input, "job spec");
    const key = trainerKey(spec.trainer.name, spec.trainer.version);
    const registered = this.#trainers.get(key);
    if (!registered) throw new MlstackError("NOT_FOUND", `no trainer ${key}`, { details: { trainer: spec.trainer } });
    const unsupported = this.#executor.unsupportedReason(registered.trainer, spec.resources);
    if (unsupported)
      throw new MlstackError("FAILED_PRECONDITION", unsupported, { details: { executor: this.#executor.name } });
    if (spec.resources.memoryMb !== undefined && !this.capabilities.memoryLimits) {
      throw new MlstackError("NOT_SUPPORTED", `the ${this.#executor.name} executor cannot enforce memory limits`, {
        details: { capability: "memoryLimits" },
      });
    }
    const params = parseInput(registered.trainer.params, spec.params, `params of trainer ${key}`);
    const jobId = this.#ids();
    const now = this.#clock.now();
    const seed = spec.seed ?? jobSeed(jobId);
    const ref = { kind: "training-job", jobId } as const;
    const job: TrainingJob = {
      ref,
      state: "QUEUED",
      spec: { ...spec, params, seed },
      attempts: [],
      retries: 0,
      createdAt: now,
      reason: "submitted",
      loggedParams: {},
      artifacts: {},
      reproducibility: {
        job: ref,
        trainer: registered.description.info,
        params,
        seed,
        inputs: spec.inputs,
        executor: this.#executor.name,
        runtime: { node: process.version, platform: process.platform, arch: process.arch },
        packages: registered.description.packages,
        times: { createdAt: now },
        state: "QUEUED",
        exitReason: "submitted",
      },
    };
    const transition: JobTransition = { job: ref, from: null, to: "QUEUED", at: now, reason: "submitted", attempt: 0 };
    await this.#storage.insertJob(job, transition);
    const entry: Active = {
      job,
      started: false,
      controller: new AbortController(),
      writes: Promise.resolve(),
      checkpointSequence: 0,
    };
    this.#active.set(jobId, entry);
    this.emit("transition", transition);
    this.#queue.add(() => this.#run(entry, registered)).catch((error: unknown) => this.#fail(entry, error));
    return job;
  }

  async getJob(jobId: string): Promise<TrainingJob> {
    const job = await this.#storage.getJob(String(jobId));
    if (!job) throw new MlstackError("NOT_FOUND", `no training job ${jobId}`, { details: { jobId } });
    return job;
  }

  async listJobs(options: ListJobsOptions = {}): Promise<TrainingJob[]> {
    const jobs = await this.#storage.listJobs();
    return jobs.filter(
      (j) =>
        (options.state === undefined || j.state === options.state) &&
        (options.trainer === undefined || j.spec.trainer.name === options.trainer) &&
        Object.entries(options.labels ?? {}).every(([k, v]) => j.spec.labels[k] === v),
    );
  }

  async waitFor(jobId: string, options: WaitOptions = {}): Promise<TrainingJob> {
    let resolveWaiter!: (job: TrainingJob) => void;
    const done = new Promise<TrainingJob>((resolve) => {
      resolveWaiter = resolve;
    });
    const set = this.#waiters.get(jobId) ?? new Set();
    set.add(resolveWaiter);
    this.#waiters.set(jobId, set);
    const forget = () => {
      set.delete(resolveWaiter);
      if (set.size === 0) this.#waiters.delete(jobId);
    };
    try {
      const job = await this.getJob(jobId);
      if (isTerminal(job.state)) return job;
      const { signal } = options;
      if (!signal) return await done;
      if (signal.aborted) throw new MlstackError("CANCELLED", "waiting was aborted");
      return await new Promise<TrainingJob>((resolve, reject) => {
        const onAbort = () => reject(new MlstackError("CANCELLED", "waiting was aborted"));
        signal.addEventListener("abort", onAbort, { once: true });
        void done.then((job) => {
          signal.removeEventListener("abort", onAbort);
          resolve(job);
        });
      });
    } finally {
      forget();
    }
  }

  async cancel(jobId: string, reason = "cancelled by request"): Promise<TrainingJob> {
    const entry = this.#active.get(jobId);
    if (!entry) return this.getJob(jobId);
    if (!entry.started) {
      if (!entry.stop) {
        // Its queue slot returns at once when reached: a cancelled job never runs.
        entry.stop = { state: "CANCELLED", reason };
        await this.#transition(entry, "CANCELLED", reason, {});
      }
      return this.waitFor(jobId);
    }
    this.#stop(entry, "CANCELLED", reason);
    return this.waitFor(jobId);
  }

  async transitions(jobId: string): Promise<JobTransition[]> {
    await this.getJob(jobId);
    return this.#storage.listTransitions(jobId);
  }

  async metrics(jobId: string): Promise<MetricPoint[]> {
    await this.getJob(jobId);
    return this.#storage.listMetrics(jobId);
  }

  async checkpoints(jobId: string): Promise<Checkpoint[]> {
    await this.getJob(jobId);
    return this.#storage.listCheckpoints(jobId);
  }

  async sweep(spec: SweepSpecInput, options: { signal?: AbortSignal } = {}): Promise<SweepResult> {
    return runSweep(this, spec, {
      signal: options.signal,
      validateParams: (trainer, params) => {
        const key = trainerKey(trainer.name, trainer.version);
        const registered = this.#trainers.get(key);
        if (!registered) throw new MlstackError("NOT_FOUND", `no trainer ${key}`, { details: { trainer } });
        parseInput(registered.trainer.params, params, `params of trainer ${key}`);
      },
    });
  }

  async start(): Promise<void> {}

  /** Stops accepting jobs, cancels queued and running ones, and ends the executor's threads and processes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(
      [...this.#active.keys()].map((id) => this.cancel(id, "the engine stopped").catch(() => undefined)),
    );
    await this.#queue.onIdle();
    await this.#executor.close();
  }

  async health(): Promise<{ status: "ok" | "down"; detail?: string }> {
    if (this.#stopped) return { status: "down", detail: "stopped" };
    return { status: "ok", detail: `${this.#queue.pending} running, ${this.#queue.size} queued` };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #stop(entry: Active, state: "CANCELLED" | "TIMED_OUT", reason: string): void {
    if (entry.stop || isTerminal(entry.job.state)) return;
    entry.stop = { state, reason };
    entry.controller.abort(new MlstackError(state === "TIMED_OUT" ? "TIMEOUT" : "CANCELLED", reason));
  }

  // Applies a change to the live job, writes it (in order with the job's other writes) and emits its transition.
  async #save(entry: Active, patch: Partial<TrainingJob>, transition?: JobTransition): Promise<void> {
    // One copy of the job with the patch applied, its reproducibility record brought up to date in place.
    const job: { -readonly [K in keyof TrainingJob]: TrainingJob[K] } = { ...entry.job, ...patch };
    const times: { -readonly [K in keyof TrainingJob["reproducibility"]["times"]]: number } = {
      createdAt: job.createdAt,
    };
    if (job.startedAt !== undefined) times.startedAt = job.startedAt;
    if (job.endedAt !== undefined) times.endedAt = job.endedAt;
    job.reproducibility = { ...job.reproducibility, times, state: job.state, exitReason: job.reason };
    const snapshot: TrainingJob = job;
    entry.job = snapshot;
    const write = entry.writes.then(() => this.#storage.updateJob(snapshot, transition));
    entry.writes = write.catch(() => undefined);
    await write;
  }

  async #transition(entry: Active, to: JobState, reason: string, patch: Partial<TrainingJob>): Promise<void> {
    const from = entry.job.state;
    jobLifecycle(from, to);
    const at = this.#clock.now();
    const terminal = isTerminal(to);
    const attempt = (patch.attempts ?? entry.job.attempts).length;
    const transition: JobTransition = { job: entry.job.ref, from, to, at, reason, attempt };
    await this.#save(entry, { ...patch, state: to, reason, ...(terminal ? { endedAt: at } : {}) }, transition);
    this.emit("transition", transition);
    if (terminal) {
      const jobId = entry.job.ref.jobId;
      this.#active.delete(jobId);
      for (const resolve of this.#waiters.get(jobId) ?? []) resolve(entry.job);
    }
  }

  #fail(entry: Active, error: unknown): void {
    if (isTerminal(entry.job.state)) return;
    const failure: JobFailure = { kind: "error", message: `internal error: ${toMlstackError(error).message}` };
    void this.#transition(entry, "FAILED", failure.message, { failure }).catch(() => undefined);
  }

  async #run(entry: Active, registered: Registered): Promise<void> {
    if (entry.stop) return;
    entry.started = true;
    const { spec } = entry.job;
    const deadline = spec.maxRuntimeMs === undefined ? undefined : new AbortController();
    if (deadline && spec.maxRuntimeMs !== undefined) {
      const ms = spec.maxRuntimeMs;
      this.#clock.sleep(ms, deadline.signal).then(
        () => this.#stop(entry, "TIMED_OUT", `exceeded maxRuntimeMs (${ms} ms)`),
        () => undefined,
      );
    }
    try {
      for (;;) {
        const number = entry.job.attempts.length + 1;
        const startedAt = this.#clock.now();
        await this.#transition(
          entry,
          "RUNNING",
          number === 1 ? "started" : `retry ${number - 1} of ${spec.retry.maxRetries}`,
          {
            attempts: [...entry.job.attempts, { attempt: number, startedAt }],
            startedAt: entry.job.startedAt ?? startedAt,
          },
        );
        if (entry.stop) break;
        const outcome = await this.#attempt(entry, registered, number);
        if (entry.stop || outcome.status === "stopped") break;
        const checked = outcome.status === "returned" ? await this.#checkResult(outcome.result) : undefined;
        if (checked && "result" in checked) {
          await this.#transition(entry, "SUCCEEDED", "the trainer returned its result", {
            result: checked.result,
            attempts: this.#endedAttempts(entry, {}),
          });
          return;
        }
        const failed = checked?.failure ?? classifyFailure(outcome as Parameters<typeof classifyFailure>[0]);
        const retry = shouldRetry(spec.retry, failed, entry.job.retries);
        const attempts = this.#endedAttempts(entry, { failure: failed, retried: retry });
        if (!retry) {
          await this.#transition(entry, "FAILED", `${failed.kind}: ${failed.message}`, { failure: failed, attempts });
          return;
        }
        await this.#transition(entry, "RETRYING", `${failed.kind}: ${failed.message}`, {
          failure: failed,
          retries: entry.job.retries + 1,
          attempts,
        });
        if (spec.retry.backoffMs > 0) {
          await this.#clock.sleep(spec.retry.backoffMs, entry.controller.signal).catch(() => undefined);
        }
        if (entry.stop) break;
      }
      const stop = (entry as Active).stop ?? { state: "CANCELLED", reason: "stopped" };
      await this.#transition(entry, stop.state, stop.reason, { attempts: this.#endedAttempts(entry, {}) });
    } catch (error) {
      this.#fail(entry, error);
    } finally {
      deadline?.abort();
    }
  }

  // The job's attempts with the current one ended (unchanged when none is running).
  #endedAttempts(entry: Active, patch: Partial<JobAttempt>): JobAttempt[] {
    const attempts = [...entry.job.attempts];
    const last = attempts.at(-1);
    if (last && last.endedAt === undefined)
      attempts[attempts.length - 1] = { ...last, ...patch, endedAt: this.#clock.now() };
    return attempts;
  }

  // The validated result, or why a returned result is not acceptable.
  async #checkResult(result: unknown): Promise<{ result: TrainerResult } | { failure: JobFailure }> {
    const parsed = trainerResultSchema.safeParse(result);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "result"}: ${i.message}`).join("; ");
      return { failure: { kind: "invalid-result", message: `the trainer's result is invalid: ${detail}` } };
    }
    const model = parsed.data.model;
    if (model && !(await this.#artifacts.has(model))) {
      return {
        failure: { kind: "invalid-result", message: `the model artifact ${model.uri} is not in the artifact store` },
      };
    }
    return { result: parsed.data };
  }

  async #attempt(entry: Active, registered: Registered, attempt: number): Promise<ExecutionOutcome> {
    const { spec, ref } = entry.job;
    const jobId = ref.jobId;
    const latest = (await this.#storage.listCheckpoints(jobId)).at(-1);
    entry.checkpointSequence = latest?.sequence ?? 0;
    const signal = entry.controller.signal;
    // Handlers are methods, not arrow functions: an attempt of a tiny job should not pay for six closures.
    const engine = this;
    const attemptHost = createAttemptHost({
      inputs: spec.inputs,
      resolver: this.#inputs,
      artifacts: this.#artifacts,
      signal,
      metric(key, value, step) {
        const point: MetricPoint = { key, value, step, at: engine.#clock.now(), attempt };
        entry.writes = entry.writes.then(() => engine.#storage.appendMetric(jobId, point)).catch(() => undefined);
        engine.emit("metric", { job: ref, ...point });
      },
      param(key, value) {
        engine.#save(entry, { loggedParams: { ...entry.job.loggedParams, [key]: value } }).catch(() => undefined);
      },
      progress(done, total, unit) {
        engine.emit("progress", { task: `job:${jobId}`, done, unit, ...(total === undefined ? {} : { total }) });
      },
      async checkpoint(value) {
        const sequence = ++entry.checkpointSequence;
        const at = engine.#clock.now();
        await engine.#storage.putCheckpoint(
          jobId,
          { sequence, attempt, at, value },
          sequence - spec.checkpoints.keepLast + 1,
        );
        engine.emit("checkpoint", { job: ref, sequence, attempt, at });
      },
      async artifact(path, bytes) {
        const artifact = await engine.#artifacts.put(bytes);
        await engine.#save(entry, { artifacts: { ...entry.job.artifacts, [path]: artifact } });
        return artifact;
      },
    });
    const { trainer } = registered;
    const outcome = await this.#executor.execute({
      start: {
        jobId,
        attempt,
        trainer: {
          name: trainer.name,
          version: trainer.version,
          ...(!isCommandTrainer(trainer) && trainer.module ? { module: trainer.module } : {}),
        },
        params: spec.params,
        seed: spec.seed,
        inputs: spec.inputs,
        checkpoint: latest?.value,
        hasCheckpoint: latest !== undefined,
      },
      trainer,
      resources: spec.resources,
      host: attemptHost.host,
      signal,
      graceMs: spec.graceMs ?? this.#graceMs,
      sleep(ms, sleepSignal) {
        return engine.#clock.sleep(ms, sleepSignal);
      },
    });
    await attemptHost.close();
    await entry.writes;
    return outcome;
  }
}

function requireCommands(engine: ReferenceTrainingEngine): void {
  if (!engine.capabilities.commands) {
    throw new MlstackError("NOT_SUPPORTED", `the ${engine.name} executor does not run command trainers`, {
      details: { capability: "commands" },
    });
  }
}

/** Creates the reference TrainingEngine (worker-thread executor and in-memory storage unless given). */
export function createTrainingEngine(options?: TrainingEngineOptions): TrainingEngine {
  return new ReferenceTrainingEngine(options);
}
