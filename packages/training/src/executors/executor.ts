import type { AttemptStart, RequestMethod, TrainerMessage, TrainerRequests, WireError } from "../runtime/protocol.js";
import type { AnyTrainer } from "../spec.js";

/** The host side of one attempt, which an executor connects its trainer to. */
export interface AttemptHost {
  request<M extends RequestMethod>(method: M, args: TrainerRequests[M]["args"]): Promise<TrainerRequests[M]["reply"]>;
  notify(message: Extract<TrainerMessage, { type: "metric" | "param" | "progress" }>): void;
}

/** One attempt for an executor to run. */
export interface ExecutionRequest {
  readonly start: AttemptStart;
  readonly trainer: AnyTrainer;
  readonly resources: { readonly memoryMb?: number };
  readonly host: AttemptHost;
  /** Aborted when the job is cancelled or out of time. */
  readonly signal: AbortSignal;
  /** How long the trainer gets to stop after `signal` aborts, before it is terminated. */
  readonly graceMs: number;
  /** The engine's clock, for the grace period; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * How an attempt ended, as an executor sees it: the trainer returned, it threw (`thrown`), its thread
 * or process died (`crash`) or ran out of memory (`oom`), or it was stopped after `signal` aborted.
 */
export type ExecutionOutcome =
  | { readonly status: "returned"; readonly result: unknown }
  | { readonly status: "thrown"; readonly error: WireError }
  | { readonly status: "crash" | "oom"; readonly message: string }
  | { readonly status: "stopped" };

/** What an executor can do. */
export interface ExecutorCapabilities {
  readonly isolation: boolean;
  readonly memoryLimits: boolean;
  readonly terminate: boolean;
  readonly commands: boolean;
}

/** The executor SPI: where and how a trainer's attempt runs. */
export interface Executor {
  /** `in-process`, `worker-threads`, `child-process`, ... */
  readonly name: string;
  readonly capabilities: ExecutorCapabilities;
  /** Why this executor cannot run the trainer, or undefined when it can. */
  unsupportedReason(trainer: AnyTrainer, resources: { memoryMb?: number }): string | undefined;
  /** Runs one attempt. Never rejects: every ending is an outcome. */
  execute(request: ExecutionRequest): Promise<ExecutionOutcome>;
  /** Stops every thread or process it holds; idempotent. */
  close(): Promise<void>;
}
