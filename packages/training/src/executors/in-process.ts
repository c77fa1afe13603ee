import { isCommandTrainer } from "../define-trainer.js";
import { toWireError } from "../runtime/protocol.js";
import { runTrainer } from "../runtime/run-trainer.js";
import type { AnyTrainer, Trainer } from "../spec.js";
import type { ExecutionOutcome, ExecutionRequest, Executor, ExecutorCapabilities } from "./executor.js";

/**
 * Runs trainers on the engine's own thread: the cheapest executor, for tests and tiny jobs. A trainer
 * that ignores its signal is abandoned after the grace period (its work is not stopped), one that
 * blocks the thread blocks the engine, and memory limits are not available.
 */
export class InProcessExecutor implements Executor {
  readonly name = "in-process";
  readonly capabilities: ExecutorCapabilities = Object.freeze({
    isolation: false,
    memoryLimits: false,
    terminate: false,
    commands: false,
  });

  unsupportedReason(trainer: AnyTrainer): string | undefined {
    return isCommandTrainer(trainer) ? "the in-process executor runs only JavaScript trainers" : undefined;
  }

  async execute(request: ExecutionRequest): Promise<ExecutionOutcome> {
    // The trainer's signal is the engine's: it aborts on cancel and timeout.
    const run = (async () =>
      runTrainer(request.trainer as Trainer<unknown>, request.start, request.host, request.signal))().then(
      (result): ExecutionOutcome => ({ status: "returned", result }),
      (error: unknown): ExecutionOutcome => ({ status: "thrown", error: toWireError(error) }),
    );
    const stopped = new Promise<ExecutionOutcome>((resolve) => {
      const onAbort = () => {
        // The trainer gets its grace period to return; after that it is abandoned.
        const grace = new AbortController();
        const timer = request.sleep(request.graceMs, grace.signal).catch(() => undefined);
        void Promise.race([run, timer]).then(() => {
          grace.abort(); // no grace timer outlives a trainer that stopped in time
          resolve({ status: "stopped" });
        });
      };
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener("abort", onAbort, { once: true });
      void run.finally(() => request.signal.removeEventListener("abort", onAbort));
    });
    return Promise.race([run.then((o) => (request.signal.aborted ? stopped : o)), stopped]);
  }

  async close(): Promise<void> {}
}

/** Creates the in-process executor. */
export function inProcessExecutor(): Executor {
  return new InProcessExecutor();
}
