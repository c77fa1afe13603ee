import { MlstackError } from "@mlstack/core";
import { type JobState, TERMINAL_STATES } from "../spec.js";

// QUEUED → RUNNING → (RETRYING → RUNNING)* → SUCCEEDED | FAILED | CANCELLED | TIMED_OUT.
const NEXT: Readonly<Record<JobState, readonly JobState[]>> = {
  QUEUED: ["RUNNING", "CANCELLED"],
  RUNNING: ["RETRYING", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"],
  RETRYING: ["RUNNING", "CANCELLED", "TIMED_OUT"],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
  TIMED_OUT: [],
};

/** True for the states a job never leaves. */
export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

/** Throws `FAILED_PRECONDITION` unless the lifecycle allows `from → to`. */
export function jobLifecycle(from: JobState, to: JobState): void {
  if (!NEXT[from].includes(to)) {
    throw new MlstackError("FAILED_PRECONDITION", `a job cannot go from ${from} to ${to}`, { details: { from, to } });
  }
}
