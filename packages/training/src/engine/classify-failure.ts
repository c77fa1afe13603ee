import type { ExecutionOutcome } from "../executors/executor.js";
import type { RetryPolicy } from "../schemas.js";
import type { JobFailure } from "../spec.js";

/**
 * Names the failure of an attempt. A thrown error is `transient` when it says it is retryable (an
 * MlstackError with `retryable: true`, or any error with `retryable: true`), else `error`.
 */
export function classifyFailure(outcome: Exclude<ExecutionOutcome, { status: "returned" | "stopped" }>): JobFailure {
  if (outcome.status === "thrown") {
    const { error } = outcome;
    return {
      kind: error.retryable === true ? "transient" : "error",
      message: error.message,
      ...(error.code === undefined ? {} : { code: error.code }),
    };
  }
  return { kind: outcome.status, message: outcome.message };
}

/** Whether the retry policy retries this failure, given how many retries already ran. */
export function shouldRetry(policy: RetryPolicy, failure: JobFailure, retriesSoFar: number): boolean {
  return retriesSoFar < policy.maxRetries && policy.retryOn.includes(failure.kind);
}
