import { createUuidV7Generator, type IdGenerator, parseInput } from "@mlstack/core";
import {
  type AnyTrainer,
  type ExecutionOutcome,
  type ExecutionRequest,
  type Executor,
  type ExecutorCapabilities,
  isCommandTrainer,
  type TrainerMessage,
} from "@mlstack/training";
import { Queue, QueueEvents } from "bullmq";
import type { RedisOptions } from "ioredis";
import { z } from "zod";
import type { RedisConnection } from "../connection.js";
import { mapRedisError } from "../errors.js";
import { bullmqConnection, redisOptionsOf } from "./connection.js";
import { PubSub } from "./pub-sub.js";
import {
  type AttemptJobData,
  channelName,
  type Envelope,
  type HostToWorker,
  type WorkerMessage,
  wireError,
} from "./wire.js";

/** The queue settings the executor and its workers share. */
export const queueSettingsSchema = z.object({
  connection: z.custom<RedisConnection>(
    (value) => (typeof value === "string" ? value.length > 0 : typeof value === "object" && value !== null),
    "a Redis URL, ioredis options or an ioredis client",
  ),
  queueName: z.string().min(1).default("mlstack-training"),
  prefix: z.string().min(1).default("mlstack"),
});

const executorOptionsSchema = queueSettingsSchema.extend({
  abandonAfterMs: z.number().int().min(0).default(5000),
  drainMs: z.number().int().min(0).default(1000),
});

/** Options of {@link createBullmqExecutor}. */
export interface BullmqExecutorOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** The BullMQ queue the workers take attempts from (default `mlstack-training`). */
  queueName?: string;
  /** BullMQ's key prefix (default `mlstack`); workers must use the same. */
  prefix?: string;
  /**
   * How long past the grace period a cancelled attempt waits for its worker to report before it is
   * abandoned (default 5000 ms); the worker terminates the trainer itself when the grace period ends.
   */
  abandonAfterMs?: number;
  /** How long a finished BullMQ job waits for its worker's last pub/sub messages (default 1000 ms). */
  drainMs?: number;
  /** Names this host's channel and BullMQ jobs (default UUIDv7). */
  ids?: IdGenerator;
}

/** The host's connections, opened by the first attempt. */
interface Connections {
  readonly queue: Queue<AttemptJobData>;
  readonly events: QueueEvents;
  readonly pubsub: PubSub<WorkerMessage>;
}

/** One attempt in flight, as the host follows it. */
interface Flight {
  readonly request: ExecutionRequest;
  /** The delivery that currently runs the attempt and its worker's channel. */
  delivery?: string;
  worker?: string;
  /** The job's latest checkpoint, handed to a delivery that replaces a stalled one. */
  checkpoint: { value: unknown } | undefined;
  /** The BullMQ job's own ending, used when the worker's `end` message never comes. */
  fallback?: ReturnType<typeof setTimeout>;
  finish(outcome: ExecutionOutcome): void;
}

/**
 * An executor whose attempts run on worker processes anywhere, which take them from a BullMQ queue
 * (see {@link createBullmqWorker}). Each attempt is one BullMQ job; the worker and this host talk over
 * Redis pub/sub (the trainer's metrics, params, progress and requests one way, the replies, start and
 * abort the other), and the attempt's outcome is the job's return value. A worker that dies mid-attempt
 * is detected by BullMQ's stalled-job check; another worker runs the attempt again from its latest
 * checkpoint, and the attempt ends once.
 */
export class BullmqExecutor implements Executor {
  readonly name = "bullmq";
  /** What the workers' executors provide: they must isolate and terminate (see {@link createBullmqWorker}). */
  readonly capabilities: ExecutorCapabilities = Object.freeze({
    isolation: true,
    memoryLimits: true,
    terminate: true,
    commands: false,
  });
  readonly #redis: RedisOptions;
  readonly #queueName: string;
  readonly #prefix: string;
  readonly #abandonAfterMs: number;
  readonly #drainMs: number;
  readonly #hostId: string;
  readonly #channel: string;
  #sequence = 0;
  readonly #flights = new Map<string, Flight>();
  #connections: Connections | undefined;
  #closed = false;

  constructor(options: BullmqExecutorOptions) {
    const { ids, ...rest } = options;
    const settings = parseInput(executorOptionsSchema, rest, "BullMQ executor options");
    this.#redis = redisOptionsOf(options.connection);
    this.#queueName = settings.queueName;
    this.#prefix = settings.prefix;
    this.#abandonAfterMs = settings.abandonAfterMs;
    this.#drainMs = settings.drainMs;
    this.#hostId = (ids ?? createUuidV7Generator())();
    this.#channel = channelName(this.#prefix, this.#queueName, "host", this.#hostId);
  }

  unsupportedReason(trainer: AnyTrainer): string | undefined {
    if (isCommandTrainer(trainer)) return "the BullMQ executor runs only JavaScript trainers";
    if (!trainer.module)
      return `trainer ${trainer.name}@${trainer.version} has no module URL (pass module: import.meta.url)`;
    return undefined;
  }

  #connect(): Connections {
    if (!this.#connections) {
      const prefix = this.#prefix;
      const queue: Queue<AttemptJobData> = new Queue(this.#queueName, {
        connection: bullmqConnection(this.#redis, false),
        prefix,
      });
      const events = new QueueEvents(this.#queueName, { connection: bullmqConnection(this.#redis, true), prefix });
      queue.on("error", () => undefined);
      events.on("error", () => undefined);
      events.on("completed", ({ jobId, returnvalue }) => this.#onJobEnd(jobId, parseReturn(returnvalue)));
      events.on("failed", ({ jobId, failedReason }) =>
        this.#onJobEnd(jobId, { status: "crash", message: `the BullMQ job failed: ${failedReason}` }),
      );
      const pubsub = new PubSub<WorkerMessage>(this.#redis, this.#channel, (e) => this.#onMessage(e));
      this.#connections = { queue, events, pubsub };
    }
    return this.#connections as Connections;
  }

  async execute(request: ExecutionRequest): Promise<ExecutionOutcome> {
    if (request.signal.aborted || this.#closed) return { status: "stopped" };
    const connections = this.#connect();
    const { queue, pubsub } = connections;
    // The id is known before the job is added: a worker may take the job before `add` returns.
    const job = `${this.#hostId}.${++this.#sequence}`;
    let resolve!: (outcome: ExecutionOutcome) => void;
    const ended = new Promise<ExecutionOutcome>((r) => {
      resolve = r;
    });
    const flight: Flight = {
      request,
      checkpoint: request.start.hasCheckpoint ? { value: request.start.checkpoint } : undefined,
      finish: (outcome) => {
        if (this.#flights.get(job) !== flight) return;
        this.#flights.delete(job);
        clearTimeout(flight.fallback);
        request.signal.removeEventListener("abort", onAbort);
        resolve(request.signal.aborted ? { status: "stopped" } : outcome);
      },
    };
    const onAbort = () => {
      const reason = String((request.signal.reason as Error)?.message ?? request.signal.reason);
      if (flight.delivery !== undefined) {
        this.#send(flight, job, { type: "abort", reason });
      } else {
        // Not taken yet: out of the queue it never runs. A worker that took it meanwhile is told to cancel on hello.
        void queue.remove(job).then(
          (removed) => removed === 1 && flight.finish({ status: "stopped" }),
          () => undefined,
        );
      }
      void request.sleep(request.graceMs + this.#abandonAfterMs).then(() => flight.finish({ status: "stopped" }));
    };
    this.#flights.set(job, flight);
    request.signal.addEventListener("abort", onAbort, { once: true });
    const data: AttemptJobData = {
      replyTo: this.#channel,
      jobId: request.start.jobId,
      attempt: request.start.attempt,
      trainer: { name: request.start.trainer.name, version: request.start.trainer.version },
      resources: request.resources,
      graceMs: request.graceMs,
    };
    try {
      await pubsub.ready().catch((error: unknown) => {
        // Never subscribed: the next attempt starts over with new connections.
        if (this.#connections === connections) this.#connections = undefined;
        void closeAll(connections);
        throw error;
      });
      // One try per BullMQ job: retrying is the engine's rule. Only a stalled worker makes BullMQ run it again.
      await queue.add("attempt", data, { jobId: job, attempts: 1, removeOnComplete: true, removeOnFail: true });
    } catch (cause) {
      flight.finish({ status: "thrown", error: wireError(mapRedisError(cause, "cannot enqueue the attempt")) });
    }
    return ended;
  }

  #send(flight: Flight, job: string, message: HostToWorker): void {
    const { delivery, worker } = flight;
    if (delivery === undefined || worker === undefined || !this.#connections) return;
    // A lost message leaves the attempt to the abandon timer or BullMQ's own ending.
    this.#connections.pubsub.publish(worker, { job, delivery, message }).catch(() => undefined);
  }

  #onMessage({ job, delivery, message }: Envelope<WorkerMessage>): void {
    const flight = this.#flights.get(job);
    if (message.type === "hello") {
      if (!flight || flight.request.signal.aborted) {
        const reason = flight ? "the attempt was cancelled" : "no host waits for this attempt any more";
        const envelope = { job, delivery, message: { type: "cancel", reason } as const };
        this.#connections?.pubsub.publish(message.replyTo, envelope).catch(() => undefined);
        flight?.finish({ status: "stopped" });
        return;
      }
      // A new delivery replaces any earlier one, whose worker BullMQ found stalled; if that worker still
      // runs (it lost its lock but not its life), it is told to stop.
      if (flight.delivery !== undefined) {
        this.#send(flight, job, { type: "abort", reason: "another worker took over the attempt" });
      }
      flight.delivery = delivery;
      flight.worker = message.replyTo;
      const { start } = flight.request;
      const checkpoint = flight.checkpoint;
      this.#send(flight, job, {
        type: "start",
        start: { ...start, hasCheckpoint: checkpoint !== undefined, checkpoint: checkpoint?.value },
      });
      return;
    }
    if (!flight || flight.delivery !== delivery) return;
    if (message.type === "end") flight.finish(message.outcome);
    else this.#relay(flight, job, delivery, message);
  }

  #relay(flight: Flight, job: string, delivery: string, message: TrainerMessage): void {
    const { host } = flight.request;
    switch (message.type) {
      case "metric":
      case "param":
      case "progress":
        host.notify(message);
        return;
      case "request": {
        const current = () => this.#flights.get(job) === flight && flight.delivery === delivery;
        host.request(message.method, message.args as never).then(
          (value) => {
            if (message.method === "checkpoint.save")
              flight.checkpoint = { value: (message.args as { value: unknown }).value };
            if (current()) this.#send(flight, job, { type: "reply", id: message.id, ok: true, value });
          },
          (error: unknown) => {
            if (current())
              this.#send(flight, job, { type: "reply", id: message.id, ok: false, error: wireError(error) });
          },
        );
        return;
      }
      case "result":
      case "failure":
        // The worker's executor turns these into its `end` message.
        return;
    }
  }

  #onJobEnd(job: string, outcome: ExecutionOutcome): void {
    const flight = this.#flights.get(job);
    if (!flight || flight.fallback) return;
    // The worker's `end` message normally comes first; this covers a lost one without cutting off its last messages.
    flight.fallback = setTimeout(() => flight.finish(outcome), this.#drainMs);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const flight of [...this.#flights.values()]) flight.finish({ status: "stopped" });
    const connections = this.#connections;
    this.#connections = undefined;
    if (connections) await closeAll(connections);
  }
}

async function closeAll(connections: Connections): Promise<void> {
  await Promise.allSettled([connections.queue.close(), connections.events.close(), connections.pubsub.close()]);
}

function parseReturn(value: unknown): ExecutionOutcome {
  try {
    return (typeof value === "string" ? JSON.parse(value) : value) as ExecutionOutcome;
  } catch {
    return { status: "crash", message: "the worker returned no readable outcome" };
  }
}

/** Creates the BullMQ executor; pass it to `createTrainingEngine({ executor })`. */
export function createBullmqExecutor(options: BullmqExecutorOptions): Executor {
  return new BullmqExecutor(options);
}
