import { randomUUID } from "node:crypto";
import { MlstackError, parseInput, SystemClock, TypedEmitter } from "@mlstack/core";
import {
  type AnyTrainer,
  type AttemptHost,
  type AttemptStart,
  type ExecutionOutcome,
  type Executor,
  isCommandTrainer,
  type RequestMethod,
  type TrainerRequests,
  workerThreadsExecutor,
} from "@mlstack/training";
import { type Job, Worker } from "bullmq";
import type { RedisOptions } from "ioredis";
import { z } from "zod";
import type { RedisConnection } from "../connection.js";
import { queueSettingsSchema } from "./bullmq-executor.js";
import { bullmqConnection, redisOptionsOf } from "./connection.js";
import { PubSub } from "./pub-sub.js";
import { type AttemptJobData, channelName, type Envelope, type HostToWorker, type WorkerMessage } from "./wire.js";

const workerOptionsSchema = queueSettingsSchema.extend({
  concurrency: z.number().int().min(1).default(1),
  lockDurationMs: z.number().int().min(100).default(30_000),
  stalledIntervalMs: z.number().int().min(100).default(30_000),
  maxStalledCount: z.number().int().min(0).default(1),
  startTimeoutMs: z.number().int().min(1).default(30_000),
  requestTimeoutMs: z.number().int().min(1).default(60_000),
});

/** Options of {@link createBullmqWorker}. */
export interface BullmqWorkerOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** The trainers this worker runs, found by name and version; each needs its `module` URL. */
  trainers: readonly AnyTrainer[];
  /** The BullMQ queue (default `mlstack-training`); the same as the executor's. */
  queueName?: string;
  /** BullMQ's key prefix (default `mlstack`); the same as the executor's. */
  prefix?: string;
  /** Attempts run at once (default 1). */
  concurrency?: number;
  /**
   * Runs each attempt here; default worker threads (a pool of `concurrency`). It must isolate, enforce
   * memory limits and terminate, as the executor promises its engine.
   */
  executor?: Executor;
  /** BullMQ's job lock: a worker silent this long is taken for dead (default 30 000 ms). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 30 000 ms). */
  stalledIntervalMs?: number;
  /** How many times an attempt may stall before it fails (default 1). */
  maxStalledCount?: number;
  /** How long a taken attempt waits for its host's start message (default 30 000 ms). */
  startTimeoutMs?: number;
  /**
   * How long a trainer's request (a checkpoint, an artifact, input rows) waits for the host's reply
   * before it fails with a retryable UNAVAILABLE (default 60 000 ms): a host that went away does not
   * hold the worker forever.
   */
  requestTimeoutMs?: number;
}

/** What a {@link BullmqWorker} reports. */
export interface BullmqWorkerEvents {
  /** The worker took an attempt (`job` is the BullMQ job id). */
  "attempt-start": (event: { job: string; jobId: string; attempt: number }) => void;
  /** An attempt ended here. */
  "attempt-end": (event: { job: string; jobId: string; attempt: number; outcome: ExecutionOutcome }) => void;
}

/** One delivery running here: how the host's messages reach it. */
interface Delivery {
  onMessage(message: HostToWorker): void;
}

/**
 * A process's share of the training queue: takes attempts from BullMQ, runs each on its own executor
 * (worker threads by default) and relays the trainer's messages to the host that enqueued it. Start it
 * on any machine that has the trainers' modules; see docs/adapters.md.
 */
export class BullmqWorker extends TypedEmitter<BullmqWorkerEvents> {
  readonly #options: z.output<typeof workerOptionsSchema>;
  readonly #trainers = new Map<string, AnyTrainer>();
  readonly #executor: Executor;
  readonly #channel: string;
  readonly #deliveries = new Map<string, Delivery>();
  readonly #clock = new SystemClock();
  #pubsub: PubSub<HostToWorker> | undefined;
  readonly #redis: RedisOptions;
  #worker: Worker<AttemptJobData, ExecutionOutcome> | undefined;
  #stopped = false;

  constructor(options: BullmqWorkerOptions) {
    super();
    const { trainers, executor, ...rest } = options;
    this.#options = parseInput(workerOptionsSchema, rest, "BullMQ worker options");
    for (const trainer of trainers) {
      if (isCommandTrainer(trainer) || !trainer.module) {
        throw new MlstackError(
          "INVALID_ARGUMENT",
          `trainer ${trainer.name}@${trainer.version} is not a JavaScript trainer with a module URL`,
        );
      }
      this.#trainers.set(`${trainer.name}@${trainer.version}`, trainer);
    }
    this.#executor = executor ?? workerThreadsExecutor({ poolSize: this.#options.concurrency });
    const caps = this.#executor.capabilities;
    if (!caps.isolation || !caps.memoryLimits || !caps.terminate) {
      throw new MlstackError(
        "INVALID_ARGUMENT",
        `the ${this.#executor.name} executor cannot isolate and terminate trainers`,
      );
    }
    const { prefix, queueName } = this.#options;
    this.#channel = channelName(prefix, queueName, "worker", randomUUID());
    this.#redis = redisOptionsOf(options.connection);
  }

  /** Subscribes and starts taking attempts; `UNAVAILABLE` (retryable) when Redis cannot be reached. */
  async start(): Promise<void> {
    if (this.#stopped) throw new MlstackError("FAILED_PRECONDITION", "the worker is stopped");
    if (this.#worker) return;
    const pubsub = new PubSub<HostToWorker>(this.#redis, this.#channel, (e) =>
      this.#deliveries.get(deliveryKey(e.job, e.delivery))?.onMessage(e.message),
    );
    try {
      await pubsub.ready();
    } catch (error) {
      await pubsub.close();
      throw error;
    }
    this.#pubsub = pubsub;
    const o = this.#options;
    this.#worker = new Worker<AttemptJobData, ExecutionOutcome>(
      o.queueName,
      (job, token) => this.#process(job, token),
      {
        connection: bullmqConnection(this.#redis, true),
        prefix: o.prefix,
        concurrency: o.concurrency,
        lockDuration: o.lockDurationMs,
        stalledInterval: o.stalledIntervalMs,
        maxStalledCount: o.maxStalledCount,
      },
    );
    this.#worker.on("error", () => undefined);
    await this.#worker.waitUntilReady();
  }

  /** Stops taking attempts, lets the running ones finish, and closes its connections; idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#worker?.close();
    await this.#executor.close();
    await this.#pubsub?.close();
  }

  /** `ok` while it takes attempts, with how many run here. */
  async health(): Promise<{ status: "ok" | "down"; detail?: string }> {
    if (this.#stopped || !this.#worker) return { status: "down", detail: this.#stopped ? "stopped" : "not started" };
    return { status: this.#worker.isRunning() ? "ok" : "down", detail: `${this.#deliveries.size} running` };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #process(job: Job<AttemptJobData, ExecutionOutcome>, token: string | undefined): Promise<ExecutionOutcome> {
    const data = job.data;
    const id = job.id as string;
    const delivery = token ?? randomUUID();
    const key = deliveryKey(id, delivery);
    const pubsub = this.#pubsub as PubSub<HostToWorker>;
    const send = (message: WorkerMessage) =>
      pubsub.publish<WorkerMessage>(data.replyTo, {
        job: id,
        delivery,
        message,
      } satisfies Envelope<WorkerMessage>);
    const inbox: HostToWorker[] = [];
    let onMessage: (message: HostToWorker) => void = (message) => inbox.push(message);
    this.#deliveries.set(key, { onMessage: (message) => onMessage(message) });
    this.emit("attempt-start", { job: id, jobId: data.jobId, attempt: data.attempt });
    let outcome: ExecutionOutcome;
    try {
      outcome = await this.#run(data, send, (handler) => {
        onMessage = handler;
        for (const message of inbox.splice(0)) handler(message);
      });
    } finally {
      this.#deliveries.delete(key);
    }
    await send({ type: "end", outcome }).catch(() => undefined);
    this.emit("attempt-end", { job: id, jobId: data.jobId, attempt: data.attempt, outcome });
    return outcome;
  }

  /** Greets the host, waits for its start, then runs the attempt on the executor, relaying both ways. */
  async #run(
    data: AttemptJobData,
    send: (message: WorkerMessage) => Promise<void>,
    listen: (handler: (message: HostToWorker) => void) => void,
  ): Promise<ExecutionOutcome> {
    const controller = new AbortController();
    let nextId = 0;
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
    let started: (start: AttemptStart | undefined) => void = () => {};
    const start = new Promise<AttemptStart | undefined>((resolve) => {
      started = resolve;
    });
    listen((message) => {
      switch (message.type) {
        case "start":
          started(message.start);
          return;
        case "cancel":
          started(undefined);
          controller.abort(new Error(message.reason));
          return;
        case "abort":
          controller.abort(new Error(message.reason));
          return;
        case "reply": {
          const waiter = pending.get(message.id);
          if (message.ok) waiter?.resolve(message.value);
          else waiter?.reject(Object.assign(new Error(message.error.message), message.error));
          return;
        }
      }
    });
    try {
      await send({ type: "hello", replyTo: this.#channel });
    } catch (error) {
      return { status: "crash", message: `cannot reach the host: ${(error as Error).message}` };
    }
    const timer = setTimeout(() => started(undefined), this.#options.startTimeoutMs);
    const begin = await start;
    clearTimeout(timer);
    if (!begin) return { status: "stopped" };
    const trainer = this.#trainers.get(`${data.trainer.name}@${data.trainer.version}`);
    if (!trainer || isCommandTrainer(trainer)) {
      const message = `this worker has no trainer ${data.trainer.name}@${data.trainer.version}`;
      return { status: "thrown", error: { message, code: "NOT_FOUND", retryable: false } };
    }
    const timeoutMs = this.#options.requestTimeoutMs;
    const host: AttemptHost = {
      request<M extends RequestMethod>(method: M, args: TrainerRequests[M]["args"]) {
        const id = ++nextId;
        return new Promise<TrainerRequests[M]["reply"]>((resolve, reject) => {
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(
              new MlstackError("UNAVAILABLE", `the host did not answer ${method} in ${timeoutMs} ms`, {
                retryable: true,
              }),
            );
          }, timeoutMs);
          const settle =
            <T>(f: (value: T) => void) =>
            (value: T) => {
              clearTimeout(timer);
              pending.delete(id);
              f(value);
            };
          pending.set(id, { resolve: settle(resolve as (value: unknown) => void), reject: settle(reject) });
          send({ type: "request", id, method, args }).catch(settle(reject));
        });
      },
      notify(message) {
        send(message).catch(() => undefined);
      },
    };
    return this.#executor.execute({
      start: { ...begin, trainer: { ...begin.trainer, module: trainer.module as string } },
      trainer,
      resources: data.resources,
      host,
      signal: controller.signal,
      graceMs: data.graceMs,
      sleep: (ms) => this.#clock.sleep(ms),
    });
  }
}

function deliveryKey(job: string, delivery: string): string {
  return `${job}\n${delivery}`;
}

/** Creates a worker; call `start()` to take attempts. */
export function createBullmqWorker(options: BullmqWorkerOptions): BullmqWorker {
  return new BullmqWorker(options);
}
