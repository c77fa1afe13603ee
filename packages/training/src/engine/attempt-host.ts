import { type ArtifactStore, MlstackError, type Ref, sameRef, toMlstackError } from "@mlstack/core";
import type { AttemptHost } from "../executors/executor.js";
import type { InputResolver } from "../spec.js";

const BATCH_ROWS = 1024;

/** What the engine does with what a trainer sends during one attempt. */
export interface AttemptHandlers {
  readonly inputs: readonly Ref[];
  readonly resolver: InputResolver | undefined;
  readonly artifacts: ArtifactStore;
  readonly signal: AbortSignal;
  metric(key: string, value: number, step: number): void;
  param(key: string, value: unknown): void;
  progress(done: number, total: number | undefined, unit: string): void;
  checkpoint(value: unknown): Promise<void>;
  artifact(path: string, bytes: Uint8Array): Promise<import("@mlstack/core").ArtifactRef>;
}

/** The host side of one attempt: serves the trainer's requests; `close` ends its open input streams. */
export function createAttemptHost(handlers: AttemptHandlers): { host: AttemptHost; close(): Promise<void> } {
  const streams = new Map<number, AsyncIterator<Record<string, unknown>>>();
  let closed = false;
  const open = (ref: Ref | undefined): AsyncIterator<Record<string, unknown>> => {
    if (!ref || !handlers.inputs.some((r) => sameRef(r, ref))) {
      throw new MlstackError("NOT_FOUND", "the job declared no such input", { details: { ref } });
    }
    if (!handlers.resolver) {
      throw new MlstackError("FAILED_PRECONDITION", "the engine has no input resolver (options.inputs)");
    }
    return handlers.resolver.read(ref, handlers.signal)[Symbol.asyncIterator]();
  };
  const host: AttemptHost = {
    async request(method, args) {
      if (closed) throw new MlstackError("CANCELLED", "the attempt is over");
      try {
        switch (method) {
          case "checkpoint.save":
            await handlers.checkpoint((args as { value: unknown }).value);
            return null as never;
          case "artifacts.put": {
            const { path, base64 } = args as { path: string; base64: string };
            if (typeof path !== "string" || path === "")
              throw new MlstackError("INVALID_ARGUMENT", "an artifact needs a path");
            return (await handlers.artifact(path, Buffer.from(base64, "base64"))) as never;
          }
          case "inputs.next": {
            const { stream, ref } = args as { stream: number; ref?: Ref };
            let iterator = streams.get(stream);
            if (!iterator) {
              iterator = open(ref);
              streams.set(stream, iterator);
            }
            const rows: Record<string, unknown>[] = [];
            while (rows.length < BATCH_ROWS) {
              const next = await iterator.next();
              if (next.done) {
                streams.delete(stream);
                return { rows, done: true } as never;
              }
              rows.push(next.value);
            }
            return { rows, done: false } as never;
          }
        }
        throw new MlstackError("INVALID_ARGUMENT", `unknown request ${String(method)}`);
      } catch (error) {
        throw toMlstackError(error);
      }
    },
    notify(message) {
      if (closed) return;
      if (message.type === "metric") {
        if (typeof message.key === "string" && Number.isFinite(message.step))
          handlers.metric(message.key, message.value, message.step);
      } else if (message.type === "param") {
        if (typeof message.key === "string") handlers.param(message.key, message.value);
      } else {
        handlers.progress(message.done, message.total, message.unit ?? "steps");
      }
    },
  };
  return {
    host,
    async close() {
      closed = true;
      const open = [...streams.values()];
      streams.clear();
      await Promise.all(open.map((it) => it.return?.().catch(() => undefined)));
    },
  };
}
