import { z } from "zod";
import { MlstackError } from "./errors.js";
import { schemaSchema } from "./schema.js";
import { parseInput } from "./validate.js";

/**
 * The JSON model format of the reference trainer (logistic and linear regression), written by the
 * TrainingEngine and loaded by the ServingEngine. The prediction rule lives here, once, so a model scores
 * the same in training, evaluation and serving.
 *
 * Score: z = intercept + Σ weights[i] · (x[i] − scaling.mean[i]) / scaling.scale[i] (no scaling: raw x).
 * Output: `logistic` link → probability σ(z); `identity` link → z.
 */
export const linearModelSchema = z
  .object({
    format: z.literal("mlstack.linear-model"),
    formatVersion: z.literal(1),
    task: z.enum(["binary-classification", "regression"]),
    link: z.enum(["logistic", "identity"]),
    featureNames: z.array(z.string().min(1)).min(1),
    weights: z.array(z.number().refine(Number.isFinite, "weights must be finite")),
    intercept: z.number().refine(Number.isFinite, "the intercept must be finite"),
    scaling: z
      .object({
        mean: z.array(z.number().refine(Number.isFinite)),
        scale: z.array(z.number().refine((s) => Number.isFinite(s) && s > 0, "scales must be positive")),
      })
      .optional(),
    /** Input and output schemas: inputs are the features (float64), outputs `probability` or `prediction`. */
    signature: z.object({ inputs: schemaSchema, outputs: schemaSchema }),
    /** Free-form facts about how it was made (trainer, seed, epochs); not used for scoring. */
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((m, ctx) => {
    const n = m.featureNames.length;
    if (m.weights.length !== n) {
      ctx.addIssue({ code: "custom", path: ["weights"], message: `expected ${n} weights, got ${m.weights.length}` });
    }
    if (m.scaling && (m.scaling.mean.length !== n || m.scaling.scale.length !== n)) {
      ctx.addIssue({ code: "custom", path: ["scaling"], message: `scaling needs ${n} means and scales` });
    }
    if ((m.task === "binary-classification") !== (m.link === "logistic")) {
      ctx.addIssue({
        code: "custom",
        path: ["link"],
        message: "classification uses the logistic link, regression identity",
      });
    }
  });

/** A reference-trainer model. */
export type LinearModel = z.infer<typeof linearModelSchema>;

/** Parses and validates a model from JSON text or bytes; `INVALID_ARGUMENT` when it is not one. */
export function parseLinearModel(source: string | Uint8Array | unknown): LinearModel {
  let value = source;
  if (typeof source === "string" || source instanceof Uint8Array) {
    const text = typeof source === "string" ? source : new TextDecoder().decode(source);
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new MlstackError("INVALID_ARGUMENT", "a linear model must be JSON", { cause: error });
    }
  }
  return parseInput(linearModelSchema, value, "linear model");
}

/** The name of the model's single output: `probability` for classifiers, `prediction` for regressors. */
export function linearModelOutputName(model: Pick<LinearModel, "task">): "probability" | "prediction" {
  return model.task === "binary-classification" ? "probability" : "prediction";
}

/**
 * Scores rows. `rows` is row-major: either one array per row, or a flat array of `n × featureNames.length`
 * values. Returns one output per row.
 */
export function predictLinearModel(
  model: LinearModel,
  rows: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
): Float64Array {
  const d = model.featureNames.length;
  const nested = rows.length > 0 && typeof rows[0] !== "number";
  const count = nested ? rows.length : rows.length / d;
  if (!Number.isInteger(count)) {
    throw new MlstackError("INVALID_ARGUMENT", `expected a multiple of ${d} values, got ${rows.length}`);
  }
  const out = new Float64Array(count);
  const w = model.weights;
  const mean = model.scaling?.mean;
  const scale = model.scaling?.scale;
  for (let r = 0; r < count; r++) {
    const row = nested ? (rows as ReadonlyArray<ArrayLike<number>>)[r]! : undefined;
    if (row && row.length !== d) {
      throw new MlstackError("INVALID_ARGUMENT", `row ${r} has ${row.length} values, expected ${d}`);
    }
    let z = model.intercept;
    for (let i = 0; i < d; i++) {
      const x = row ? (row[i] as number) : ((rows as ArrayLike<number>)[r * d + i] as number);
      z += (w[i] as number) * (mean && scale ? (x - (mean[i] as number)) / (scale[i] as number) : x);
    }
    out[r] = model.link === "logistic" ? 1 / (1 + Math.exp(-z)) : z;
  }
  return out;
}
