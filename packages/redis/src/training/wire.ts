// What the host (the BullMQ executor) and a worker say to each other over Redis pub/sub, beside the
// BullMQ job itself. Each side subscribes to one channel of its own; every message names the BullMQ job
// and the delivery (the worker's lock token), so messages of a delivery that BullMQ gave up on (its
// worker stalled) are told apart from those of the delivery that replaced it.
import type { ExecutionOutcome, HostMessage, TrainerMessage, WireError } from "@mlstack/training";

/** The data of a BullMQ job: one attempt of a training job. */
export interface AttemptJobData {
  /** The host's channel. */
  readonly replyTo: string;
  readonly jobId: string;
  readonly attempt: number;
  readonly trainer: { readonly name: string; readonly version: string };
  readonly resources: { readonly memoryMb?: number };
  readonly graceMs: number;
}

/** Worker → host. */
export type WorkerMessage =
  /** A delivery began; the host answers with `start` (or `cancel`) on `replyTo`. */
  | { readonly type: "hello"; readonly replyTo: string }
  | TrainerMessage
  /** The attempt ended; the last message of a delivery. */
  | { readonly type: "end"; readonly outcome: ExecutionOutcome };

/** Host → worker. */
export type HostToWorker = HostMessage | { readonly type: "cancel"; readonly reason: string };

/** A message with its address. */
export interface Envelope<M> {
  /** The BullMQ job id. */
  readonly job: string;
  /** The delivery's lock token. */
  readonly delivery: string;
  readonly message: M;
}

/** The pub/sub channel of a host or worker, under the queue's prefix. */
export function channelName(prefix: string, queueName: string, role: "host" | "worker", id: string): string {
  return `${prefix}:${queueName}:mlstack:${role}:${id}`;
}

/** A thrown value as it crosses to the other side, keeping an MlstackError's code and retryability. */
export function wireError(error: unknown): WireError {
  const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  return {
    message: typeof e.message === "string" ? e.message : String(error),
    ...(typeof e.name === "string" ? { name: e.name } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.retryable === "boolean" ? { retryable: e.retryable } : {}),
  };
}
