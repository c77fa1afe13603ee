// Starts and stops worker processes (test/training/fixtures/worker-process.ts) for the tests.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./fixtures/worker-process.ts", import.meta.url));

/** A worker process and the events it printed. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly events: Array<Record<string, unknown>>;
  /** Resolves with the first event matching, printed already or later. */
  next(match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Spawns a worker process and waits until it takes jobs. */
export async function startWorkerProcess(options: Record<string, unknown>): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ["--conditions=@mlstack/source", "--import", "tsx", ENTRY, JSON.stringify(options)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    match: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }> = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    const event = JSON.parse(line) as Record<string, unknown>;
    events.push(event);
    for (const w of waiters.filter((w) => w.match(event))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const worker: WorkerProcess = {
    child,
    events,
    next(match) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  await Promise.race([
    worker.next((e) => e.event === "ready"),
    exited.then(() => {
      throw new Error(`the worker process exited with code ${child.exitCode} before it was ready`);
    }),
  ]);
  return worker;
}
