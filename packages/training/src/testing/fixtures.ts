// Trainers the conformance suite runs on every executor. Each is exported from this module, which worker
// threads and child processes import by its URL; it must not import vitest.
import { MlstackError } from "@mlstack/core";
import { z } from "zod";
import { defineTrainer } from "../define-trainer.js";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Logs `loss` at each step, sleeps `sleepMs` per step (stopping when aborted), optionally stores a model. */
export const echoTrainer = defineTrainer({
  name: "conformance.echo",
  version: "1",
  module: import.meta.url,
  params: z.object({
    steps: z.number().int().min(0).default(3),
    sleepMs: z.number().int().min(0).default(0),
    value: z.number().default(1),
    model: z.boolean().default(false),
  }),
  async run(ctx) {
    const { steps, sleepMs, value } = ctx.params;
    ctx.log.param("echo", value);
    for (let step = 0; step < steps; step++) {
      ctx.log.metric("loss", value / (step + 1), step);
      ctx.progress(step + 1, steps);
      if (sleepMs > 0) await sleep(sleepMs, ctx.signal);
    }
    const metrics = { value, draw: ctx.random.next(), seed: ctx.seed };
    if (!ctx.params.model) return { metrics };
    const model = await ctx.artifacts.put("model.json", JSON.stringify({ value }));
    const signature = {
      inputs: { fields: [{ name: "x", type: "float64" as const }] },
      outputs: { fields: [{ name: "prediction", type: "float64" as const }] },
    };
    return { model, signature, metrics };
  },
});

/** Fails in the chosen way on attempts up to `failAttempts`, saving a checkpoint first when asked. */
export const faultyTrainer = defineTrainer({
  name: "conformance.faulty",
  version: "1",
  module: import.meta.url,
  params: z.object({
    mode: z.enum(["throw", "transient", "exit", "busy", "hang", "allocate", "invalid", "stray"]),
    failAttempts: z.number().int().min(0).default(1000),
    checkpoint: z.boolean().default(false),
  }),
  async run(ctx) {
    const before = (await ctx.checkpoint.latest()) as { attempt: number } | undefined;
    if (ctx.params.checkpoint) await ctx.checkpoint.save({ attempt: ctx.attempt });
    if (ctx.attempt > ctx.params.failAttempts) {
      return { metrics: { attempt: ctx.attempt, resumedFrom: before?.attempt ?? 0 } };
    }
    switch (ctx.params.mode) {
      case "throw":
        throw new Error("the trainer failed on purpose");
      case "transient":
        throw new MlstackError("UNAVAILABLE", "a transient failure on purpose");
      case "exit":
        process.exit(3);
        break;
      case "busy":
        for (;;) {
          // A synchronous loop: only terminating the thread or process stops it.
        }
      case "hang":
        return new Promise<never>(() => {});
      case "allocate": {
        const hog: number[][] = [];
        for (;;) hog.push(new Array(1 << 16).fill(hog.length));
      }
      case "stray":
        // Succeeds, but leaves a timer that throws once the attempt is over.
        setTimeout(() => {
          throw new Error("a stray timer failed after the trainer returned");
        }, 20);
        return { metrics: { attempt: ctx.attempt } };
      case "invalid":
        return { metrics: { accuracy: "high" } as unknown as Record<string, number> };
    }
  },
});

/** Saves `count` checkpoints `{ i }`. */
export const checkpointTrainer = defineTrainer({
  name: "conformance.checkpoints",
  version: "1",
  module: import.meta.url,
  params: z.object({ count: z.number().int().min(0) }),
  async run(ctx) {
    for (let i = 1; i <= ctx.params.count; i++) await ctx.checkpoint.save({ i });
    return { metrics: { saved: ctx.params.count } };
  },
});

/** Reads its first input and returns the row count and the sum of column `x`. */
export const inputsTrainer = defineTrainer({
  name: "conformance.inputs",
  version: "1",
  module: import.meta.url,
  params: z.object({}),
  async run(ctx) {
    let rows = 0;
    let sum = 0;
    for await (const row of ctx.inputs.read()) {
      rows++;
      sum += Number(row.x);
    }
    return { metrics: { rows, sum } };
  },
});

/** Every trainer the conformance suite registers. */
export const conformanceTrainers = [echoTrainer, faultyTrainer, checkpointTrainer, inputsTrainer] as const;
