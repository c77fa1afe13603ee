import { pathToFileURL } from "node:url";
import { MlstackError, predictLinearModel } from "@mlstack/core";
import { z } from "zod";
import { defineTrainer } from "../define-trainer.js";
import { logLoss, rmse, rocAuc } from "./evaluate.js";
import { fitLinearModel } from "./fit-linear-model.js";

/** Params of the reference trainer. */
export const linearTrainerParamsSchema = z.object({
  task: z.enum(["binary-classification", "regression"]),
  /** Numeric feature columns, in model order. */
  features: z.array(z.string().min(1)).min(1),
  /** The label column: 0/1 or a boolean for classification, a number for regression. */
  label: z.string().min(1),
  learningRate: z.number().positive().default(0.1),
  learningRateDecay: z.number().min(0).default(0),
  epochs: z.number().int().positive().default(20),
  batchSize: z.number().int().positive().default(256),
  l2: z.number().min(0).default(0),
  validationFraction: z.number().min(0).max(0.9).default(0.2),
  patience: z.number().int().positive().default(3),
  standardize: z.boolean().default(true),
});

/** The reference trainer's params, defaults applied. */
export type LinearTrainerParams = z.output<typeof linearTrainerParamsSchema>;

function toNumber(value: unknown, column: string, row: number): number {
  const v = typeof value === "boolean" ? Number(value) : value;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new MlstackError("INVALID_ARGUMENT", `row ${row}: column "${column}" is not a finite number`, {
      details: { row, column },
    });
  }
  return v;
}

/**
 * The reference trainer `mlstack.linear@1`: logistic or linear regression on the numeric columns of its
 * first input, by seeded mini-batch gradient descent with L2 and early stopping. It stores the model as
 * `model.json` in core's LinearModel format and returns it with its signature and validation metrics.
 */
export const linearTrainer = defineTrainer({
  name: "mlstack.linear",
  version: "1",
  // import.meta.url is empty in the CommonJS build, whose bundle (which exports this trainer) is __filename.
  module: import.meta.url || pathToFileURL(__filename).href,
  params: linearTrainerParamsSchema,
  async run(ctx) {
    const p = ctx.params;
    const d = p.features.length;
    let x = new Float64Array(1024 * d);
    let y = new Float64Array(1024);
    let n = 0;
    for await (const row of ctx.inputs.read()) {
      if (n === y.length) {
        const bigger = new Float64Array(y.length * 2 * d);
        bigger.set(x);
        x = bigger;
        const biggerY = new Float64Array(y.length * 2);
        biggerY.set(y);
        y = biggerY;
      }
      for (let j = 0; j < d; j++) x[n * d + j] = toNumber(row[p.features[j] as string], p.features[j] as string, n);
      const label = toNumber(row[p.label], p.label, n);
      if (p.task === "binary-classification" && label !== 0 && label !== 1) {
        throw new MlstackError("INVALID_ARGUMENT", `row ${n}: a classification label must be 0 or 1, got ${label}`);
      }
      y[n++] = label;
    }
    if (n === 0) throw new MlstackError("INVALID_ARGUMENT", "the input has no rows");
    x = x.subarray(0, n * d);
    y = y.subarray(0, n);
    const fit = fitLinearModel(x, y, {
      ...p,
      featureNames: p.features,
      random: ctx.random,
      signal: ctx.signal,
      onEpoch(epoch, trainLoss, validationLoss) {
        ctx.log.metric("train_loss", trainLoss, epoch);
        if (!Number.isNaN(validationLoss)) ctx.log.metric("validation_loss", validationLoss, epoch);
        ctx.progress(epoch, p.epochs, "epochs");
      },
    });
    ctx.log.param("epochs_run", fit.epochs);
    ctx.log.param("best_epoch", fit.bestEpoch);
    // Metrics on the held-out rows, or on all rows when there is no validation split.
    const rows =
      fit.validationRows.length > 0 ? Array.from(fit.validationRows) : Array.from({ length: n }, (_, i) => i);
    const xs = new Float64Array(rows.length * d);
    const ys = new Float64Array(rows.length);
    rows.forEach((r, k) => {
      xs.set(x.subarray(r * d, r * d + d), k * d);
      ys[k] = y[r] as number;
    });
    const predicted = predictLinearModel(fit.model, xs);
    const metrics: Record<string, number> =
      p.task === "binary-classification"
        ? { auc: rocAuc(predicted, ys), log_loss: logLoss(predicted, ys) }
        : { rmse: rmse(predicted, ys) };
    metrics.epochs = fit.epochs;
    const model = {
      ...fit.model,
      metadata: { trainer: "mlstack.linear@1", seed: ctx.seed, epochs: fit.epochs, bestEpoch: fit.bestEpoch },
    };
    const artifact = await ctx.artifacts.put("model.json", JSON.stringify(model));
    return { model: artifact, signature: model.signature, metrics };
  },
});
