// The messages between the engine (host) and a running trainer. Worker threads carry them as objects;
// the child-process executor writes one JSON object per line (host → stdin, trainer → stdout).
import type { Ref } from "@mlstack/core";

/** What an attempt starts with: the first message a trainer receives. */
export interface AttemptStart {
  jobId: string;
  attempt: number;
  trainer: { name: string; version: string; module?: string };
  params: unknown;
  seed: number;
  inputs: Ref[];
  /** The latest checkpoint value of the job, if any. */
  checkpoint?: unknown;
  hasCheckpoint: boolean;
}

/** A failure as it crosses a thread or process boundary. */
export interface WireError {
  message: string;
  name?: string;
  code?: string;
  retryable?: boolean;
}

/** Requests a trainer makes, with their arguments and replies. */
export interface TrainerRequests {
  "checkpoint.save": { args: { value: unknown }; reply: null };
  "artifacts.put": { args: { path: string; base64: string }; reply: import("@mlstack/core").ArtifactRef };
  /** Opens (with `ref`) or continues stream `stream`; replies with the next rows. */
  "inputs.next": { args: { stream: number; ref?: Ref }; reply: { rows: Record<string, unknown>[]; done: boolean } };
}

/** A request method. */
export type RequestMethod = keyof TrainerRequests;

/** Messages from a trainer to the host. */
export type TrainerMessage =
  | { type: "metric"; key: string; value: number; step: number }
  | { type: "param"; key: string; value: unknown }
  | { type: "progress"; done: number; total?: number; unit?: string }
  | { type: "request"; id: number; method: RequestMethod; args: unknown }
  | { type: "result"; result: unknown }
  | { type: "failure"; error: WireError };

/** Messages from the host to a trainer. */
export type HostMessage =
  | { type: "start"; start: AttemptStart }
  | { type: "reply"; id: number; ok: true; value: unknown }
  | { type: "reply"; id: number; ok: false; error: WireError }
  | { type: "abort"; reason: string };

/** Serialises a thrown value for the wire, keeping MlstackError's code and retryability. */
export function toWireError(error: unknown): WireError {
  if (typeof error === "object" && error !== null) {
    const e = error as { message?: unknown; name?: unknown; code?: unknown; retryable?: unknown };
    return {
      message: typeof e.message === "string" ? e.message : String(error),
      ...(typeof e.name === "string" ? { name: e.name } : {}),
      ...(typeof e.code === "string" ? { code: e.code } : {}),
      ...(typeof e.retryable === "boolean" ? { retryable: e.retryable } : {}),
    };
  }
  return { message: String(error) };
}
