/**
 * The trainer side of the worker-thread and child-process executors: imports the trainer's module, runs
 * it and speaks the protocol of ./protocol.ts over the worker port or over stdin/stdout (JSON lines).
 *
 * @packageDocumentation
 * @module @mlstack/training/runner
 */
import { createInterface } from "node:readline";
import { parentPort } from "node:worker_threads";
import { isCommandTrainer, isTrainer } from "../define-trainer.js";
import type { Trainer } from "../spec.js";
import { type AttemptStart, type HostMessage, type TrainerMessage, toWireError } from "./protocol.js";
import { runTrainer, type TrainerPort } from "./run-trainer.js";

type Send = (message: TrainerMessage) => void;

// A warm worker runs many attempts: a trainer is looked up in its module once (a failed lookup is retried).
const loaded = new Map<string, Promise<Trainer<unknown>>>();

function loadTrainer(start: AttemptStart): Promise<Trainer<unknown>> {
  const { module, name, version } = start.trainer;
  const key = `${module ?? ""}\u0000${name}\u0000${version}`;
  let trainer = loaded.get(key);
  if (trainer === undefined) {
    trainer = findTrainer(start);
    loaded.set(key, trainer);
    trainer.catch(() => loaded.delete(key));
  }
  return trainer;
}

async function findTrainer(start: AttemptStart): Promise<Trainer<unknown>> {
  const { module, name, version } = start.trainer;
  if (!module) throw new Error(`trainer ${name}@${version} has no module to import`);
  const exports = (await import(module)) as Record<string, unknown>;
  for (const value of Object.values(exports)) {
    if (isTrainer(value) && !isCommandTrainer(value) && value.name === name && value.version === version) {
      return value as Trainer<unknown>;
    }
  }
  throw new Error(`module ${module} exports no trainer ${name}@${version}`);
}

/** Serves attempts, one at a time, over a message channel. */
function serve(send: Send, subscribe: (onMessage: (message: HostMessage) => void) => void): void {
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let controller: AbortController | undefined;
  const port: TrainerPort = {
    request(method, args) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        send({ type: "request", id, method, args });
      });
    },
    notify: send,
  };
  subscribe((message) => {
    switch (message.type) {
      case "start": {
        const current = new AbortController();
        controller = current;
        loadTrainer(message.start)
          .then((trainer) => runTrainer(trainer, message.start, port, current.signal))
          .then(
            (result) => send({ type: "result", result }),
            (error: unknown) => send({ type: "failure", error: toWireError(error) }),
          );
        return;
      }
      case "reply": {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(Object.assign(new Error(message.error.message), message.error));
        return;
      }
      case "abort":
        controller?.abort(new Error(message.reason));
        return;
    }
  });
}

if (parentPort) {
  const channel = parentPort;
  serve(
    (message) => channel.postMessage(message),
    (onMessage) => channel.on("message", onMessage),
  );
} else {
  // stdout is the protocol channel: whatever the trainer prints goes to stderr instead.
  const out = process.stdout;
  for (const method of ["log", "info", "debug"] as const) console[method] = console.error;
  serve(
    (message) => out.write(`${JSON.stringify(message)}\n`),
    (onMessage) => {
      const lines = createInterface({ input: process.stdin });
      lines.on("line", (line) => {
        if (line.trim() !== "") onMessage(JSON.parse(line) as HostMessage);
      });
      // The host closing stdin means it is gone: stop rather than linger.
      lines.on("close", () => process.exit(0));
    },
  );
}
