import { createRandom, MlstackError, type Ref, sameRef } from "@mlstack/core";
import type { Trainer, TrainerContext } from "../spec.js";
import type { AttemptStart, RequestMethod, TrainerMessage, TrainerRequests } from "./protocol.js";

/** How a running trainer talks to its host, whatever lies between them. */
export interface TrainerPort {
  request<M extends RequestMethod>(method: M, args: TrainerRequests[M]["args"]): Promise<TrainerRequests[M]["reply"]>;
  notify(message: Extract<TrainerMessage, { type: "metric" | "param" | "progress" }>): void;
}

/** Builds the trainer's context over a port and runs it; the trainer side of every executor. */
export async function runTrainer(
  trainer: Trainer<unknown>,
  start: AttemptStart,
  port: TrainerPort,
  signal: AbortSignal,
): Promise<unknown> {
  let latest = start.checkpoint;
  let hasLatest = start.hasCheckpoint;
  let streams = 0;
  const ctx: TrainerContext<unknown> = {
    job: { kind: "training-job", jobId: start.jobId },
    attempt: start.attempt,
    params: start.params,
    seed: start.seed,
    random: createRandom(start.seed),
    signal,
    inputs: {
      refs: start.inputs,
      read(ref?: Ref) {
        const target = ref ?? start.inputs[0];
        if (!target || !start.inputs.some((r) => sameRef(r, target))) {
          throw new MlstackError("NOT_FOUND", "the job declared no such input", { details: { ref: target } });
        }
        return readStream(port, ++streams, target);
      },
    },
    log: {
      metric(key, value, step = 0) {
        port.notify({ type: "metric", key, value, step });
      },
      param(key, value) {
        port.notify({ type: "param", key, value });
      },
    },
    checkpoint: {
      async save(value) {
        // A JSON round trip: what is stored is what a retry in another thread or process gets back.
        const copy = JSON.parse(JSON.stringify(value ?? null)) as unknown;
        await port.request("checkpoint.save", { value: copy });
        latest = copy;
        hasLatest = true;
      },
      async latest() {
        return hasLatest ? latest : undefined;
      },
    },
    artifacts: {
      async put(path, bytes) {
        const data =
          typeof bytes === "string"
            ? Buffer.from(bytes, "utf8")
            : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        return port.request("artifacts.put", { path, base64: data.toString("base64") });
      },
    },
    progress(done, total, unit = "steps") {
      port.notify({ type: "progress", done, unit, ...(total === undefined ? {} : { total }) });
    },
  };
  return trainer.run(ctx);
}

async function* readStream(port: TrainerPort, stream: number, ref: Ref): AsyncIterable<Record<string, unknown>> {
  let reply = await port.request("inputs.next", { stream, ref });
  for (;;) {
    yield* reply.rows;
    if (reply.done) return;
    reply = await port.request("inputs.next", { stream });
  }
}
