import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { isCommandTrainer } from "../define-trainer.js";
import type { HostMessage, TrainerMessage } from "../runtime/protocol.js";
import type { AnyTrainer } from "../spec.js";
import { connectTrainer } from "./connect-trainer.js";
import type { ExecutionOutcome, ExecutionRequest, Executor, ExecutorCapabilities } from "./executor.js";
import { locateRunner, needsTypeScript, type RunnerLocation, SOURCE_CONDITION } from "./runner-location.js";

/** Options of {@link workerThreadsExecutor}. */
export interface WorkerThreadsOptions {
  /** Idle threads kept warm for the next job (default: the number of CPUs). */
  poolSize?: number;
  /** Node flags for the threads; by default those that load TypeScript source when the runner or trainer is `.ts`. */
  execArgv?: string[];
  /** Heap limit for jobs that set none, in MiB. */
  defaultMemoryMb?: number;
}

interface PooledWorker {
  readonly worker: Worker;
  readonly key: string;
}

/**
 * Runs each attempt on a worker thread, from a pool of warm threads: CPU-bound training does not block
 * the engine, and a trainer that throws, exits its thread, hangs or exceeds its heap limit cannot take
 * the host down. A thread whose trainer was stopped, crashed or ran out of memory is discarded.
 */
export class WorkerThreadsExecutor implements Executor {
  readonly name = "worker-threads";
  readonly capabilities: ExecutorCapabilities = Object.freeze({
    isolation: true,
    memoryLimits: true,
    terminate: true,
    commands: false,
  });
  readonly #poolSize: number;
  readonly #execArgv: string[] | undefined;
  readonly #defaultMemoryMb: number | undefined;
  #idle: PooledWorker[] = [];
  readonly #busy = new Set<Worker>();
  #runner: RunnerLocation | undefined;

  constructor(options: WorkerThreadsOptions = {}) {
    this.#poolSize = options.poolSize ?? availableParallelism();
    this.#execArgv = options.execArgv;
    this.#defaultMemoryMb = options.defaultMemoryMb;
  }

  unsupportedReason(trainer: AnyTrainer): string | undefined {
    if (isCommandTrainer(trainer)) return "worker threads run only JavaScript trainers";
    if (!trainer.module)
      return `trainer ${trainer.name}@${trainer.version} has no module URL (pass module: import.meta.url)`;
    return undefined;
  }

  #acquire(request: ExecutionRequest): PooledWorker {
    const memoryMb = request.resources.memoryMb ?? this.#defaultMemoryMb;
    this.#runner ??= locateRunner();
    const runner = this.#runner;
    const typescript = needsTypeScript(runner, request.start.trainer.module);
    const execArgv = this.#execArgv ?? (typescript ? [SOURCE_CONDITION] : []);
    const key = `${memoryMb ?? ""}|${typescript}|${execArgv.join(" ")}`;
    const index = this.#idle.findIndex((w) => w.key === key);
    if (index >= 0) {
      const [pooled] = this.#idle.splice(index, 1);
      pooled!.worker.ref();
      return pooled!;
    }
    // `--import tsx` does not reach a worker's own module loader on Node 20, so a TypeScript runner is
    // loaded by a bootstrap that registers tsx in the thread first (tsx must resolve from the cwd).
    const entry = typescript
      ? `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(runner.url.href)}); })`
      : runner.url;
    const worker = new Worker(entry, {
      eval: typescript,
      execArgv,
      ...(memoryMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: memoryMb } }),
      stdout: false,
      stderr: false,
    });
    const pooled = { worker, key };
    // Between attempts nothing else listens: an error of an idle thread (a trainer's stray timer or
    // rejection) must not become an unhandled 'error' event in the host; the thread is dropped instead.
    worker.on("error", () => undefined);
    worker.once("exit", () => {
      this.#idle = this.#idle.filter((p) => p !== pooled);
    });
    return pooled;
  }

  #release(pooled: PooledWorker, reusable: boolean): void {
    this.#busy.delete(pooled.worker);
    if (reusable && this.#idle.length < this.#poolSize) {
      // An idle thread must not keep the host process alive.
      pooled.worker.unref();
      this.#idle.push(pooled);
    } else {
      void pooled.worker.terminate();
    }
  }

  async execute(request: ExecutionRequest): Promise<ExecutionOutcome> {
    const pooled = this.#acquire(request);
    const { worker } = pooled;
    this.#busy.add(worker);
    const outcome = await connectTrainer(request, {
      send: (message: HostMessage) => worker.postMessage(message),
      attach(onMessage, onEnd) {
        const message = (m: TrainerMessage) => onMessage(m);
        const error = (e: Error & { code?: string }) =>
          onEnd(
            e.code === "ERR_WORKER_OUT_OF_MEMORY"
              ? { status: "oom", message: `the trainer exceeded its memory limit: ${e.message}` }
              : { status: "crash", message: `the trainer's thread failed: ${e.message}` },
          );
        const exit = (code: number) =>
          onEnd({ status: "crash", message: `the trainer's thread exited with code ${code}` });
        worker.on("message", message).on("error", error).on("exit", exit);
        // Only these listeners go: the Worker's own (which ref its port) must stay for the next attempt.
        return () => worker.off("message", message).off("error", error).off("exit", exit);
      },
      kill: () => void worker.terminate(),
    });
    this.#release(pooled, outcome.reusable);
    return outcome.outcome;
  }

  async close(): Promise<void> {
    const all = [...this.#idle.map((p) => p.worker), ...this.#busy];
    this.#idle = [];
    this.#busy.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }
}

/** Creates the worker-thread executor (the default). */
export function workerThreadsExecutor(options?: WorkerThreadsOptions): Executor {
  return new WorkerThreadsExecutor(options);
}
