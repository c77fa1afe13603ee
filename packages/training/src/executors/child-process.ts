import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { isCommandTrainer } from "../define-trainer.js";
import type { HostMessage, TrainerMessage } from "../runtime/protocol.js";
import type { AnyTrainer } from "../spec.js";
import { connectTrainer } from "./connect-trainer.js";
import type { ExecutionOutcome, ExecutionRequest, Executor, ExecutorCapabilities } from "./executor.js";
import { locateRunner, needsTypeScript, type RunnerLocation, SOURCE_CONDITION } from "./runner-location.js";

/** Options of {@link childProcessExecutor}. */
export interface ChildProcessOptions {
  /** Node flags for JavaScript trainers; by default those that load TypeScript source when needed. */
  execArgv?: string[];
  /** Extra environment variables for every process (the host's environment is inherited). */
  env?: Record<string, string>;
}

const STDERR_TAIL = 4096;

/**
 * Runs each attempt in its own process. A {@link CommandTrainer} is any program speaking the JSON-lines
 * protocol (see docs/bricks/training.md); a JavaScript trainer runs in a Node process through the runner.
 * Memory limits apply to JavaScript trainers (`--max-old-space-size`).
 */
export class ChildProcessExecutor implements Executor {
  readonly name = "child-process";
  readonly capabilities: ExecutorCapabilities = Object.freeze({
    isolation: true,
    memoryLimits: true,
    terminate: true,
    commands: true,
  });
  readonly #options: ChildProcessOptions;
  readonly #children = new Set<ChildProcessWithoutNullStreams>();
  #runner: RunnerLocation | undefined;

  constructor(options: ChildProcessOptions = {}) {
    this.#options = options;
  }

  unsupportedReason(trainer: AnyTrainer, resources: { memoryMb?: number }): string | undefined {
    if (isCommandTrainer(trainer)) {
      return resources.memoryMb === undefined ? undefined : "memory limits apply only to JavaScript trainers";
    }
    return trainer.module
      ? undefined
      : `trainer ${trainer.name}@${trainer.version} has no module URL (pass module: import.meta.url)`;
  }

  #spawn(request: ExecutionRequest): ChildProcessWithoutNullStreams {
    const trainer = request.trainer;
    const env = { ...process.env, ...this.#options.env };
    if (isCommandTrainer(trainer)) {
      const [command, ...args] = trainer.command;
      return spawn(command, args, { cwd: trainer.cwd, env: { ...env, ...trainer.env }, stdio: "pipe" });
    }
    this.#runner ??= locateRunner();
    const runner = this.#runner;
    const memory =
      request.resources.memoryMb === undefined ? [] : [`--max-old-space-size=${request.resources.memoryMb}`];
    const execArgv =
      this.#options.execArgv ?? (needsTypeScript(runner, trainer.module) ? [SOURCE_CONDITION, "--import", "tsx"] : []);
    return spawn(process.execPath, [...execArgv, ...memory, fileURLToPath(runner.url)], { env, stdio: "pipe" });
  }

  async execute(request: ExecutionRequest): Promise<ExecutionOutcome> {
    const child = this.#spawn(request);
    this.#children.add(child);
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    // A trainer that exits without reading its input must not crash the host with EPIPE.
    child.stdin.on("error", () => {});
    const { outcome } = await connectTrainer(request, {
      send: (message: HostMessage) => {
        if (child.stdin.writable) child.stdin.write(`${JSON.stringify(message)}\n`);
      },
      attach(onMessage, onEnd) {
        const lines = createInterface({ input: child.stdout });
        lines.on("line", (line) => {
          // Lines that are not protocol messages are the program's own output and are ignored.
          if (!line.startsWith("{")) return;
          let message: TrainerMessage;
          try {
            message = JSON.parse(line) as TrainerMessage;
          } catch {
            return;
          }
          onMessage(message);
        });
        child.on("error", (error) => onEnd({ status: "crash", message: `cannot run the trainer: ${error.message}` }));
        child.on("close", (code, signal) => {
          const tail = stderr.trim().split("\n").slice(-5).join("\n");
          const oom = /heap out of memory|Allocation failed/i.test(stderr);
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          onEnd({
            status: oom ? "oom" : "crash",
            message: `${oom ? "the trainer exceeded its memory limit: " : ""}the trainer's process ${how}${tail ? `: ${tail}` : ""}`,
          });
        });
        // The process serves one attempt: nothing to unsubscribe for a next one.
        return () => lines.close();
      },
      kill: () => child.kill("SIGKILL"),
    });
    // The attempt is over: closing stdin tells a well-behaved trainer to exit; it is killed if it lingers.
    child.stdin.end();
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill("SIGKILL"), Math.max(request.graceMs, 1000));
      timer.unref();
      child.once("exit", () => clearTimeout(timer));
    }
    child.once("exit", () => this.#children.delete(child));
    return outcome;
  }

  async close(): Promise<void> {
    for (const child of this.#children) child.kill("SIGKILL");
    this.#children.clear();
  }
}

/** Creates the child-process executor. */
export function childProcessExecutor(options?: ChildProcessOptions): Executor {
  return new ChildProcessExecutor(options);
}
