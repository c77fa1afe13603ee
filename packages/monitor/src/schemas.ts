import {
  deploymentRefSchema,
  monitorWindowRefSchema,
  parseInput,
  schemaSchema,
  trainingSetRefSchema,
} from "@mlstack/core";
import { z } from "zod";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const name = z.string().min(1);

/** Input of registerDeployment. */
export const registerDeploymentInputSchema = z.object({
  deployment: deploymentRefSchema,
  schema: schemaSchema,
  prediction: z
    .object({
      name: name.optional(),
      task: z.enum(["classification", "regression"]),
      positiveLabel: z.string().optional(),
    })
    .optional(),
  windowMs: z.number().int().positive().optional(),
  ranges: z.record(z.string(), z.object({ min: finite.optional(), max: finite.optional() })).optional(),
});

/** One logged request: values are unknown on purpose, bad ones are counted, not rejected. */
export const logRowSchema = z.object({
  features: z.record(z.string(), z.unknown()),
  prediction: z.unknown().optional(),
  score: z.number().optional(),
  requestId: name.optional(),
  timestamp: z.number().int().optional(),
});

/** Rows of log. */
export const logRowsSchema = z.array(logRowSchema);

/** A log row after validation. */
export type ParsedLogRow = z.output<typeof logRowSchema>;

// A row that plainly satisfies logRowSchema: checked without zod's per-key work on the hot path.
function plainRow(row: unknown): boolean {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return false;
  const r = row as Record<string, unknown>;
  const f = r.features;
  if (typeof f !== "object" || f === null || Array.isArray(f)) return false;
  const proto = Object.getPrototypeOf(f);
  return (
    (proto === Object.prototype || proto === null) &&
    (r.score === undefined || Number.isFinite(r.score)) &&
    (r.timestamp === undefined || Number.isSafeInteger(r.timestamp)) &&
    (r.requestId === undefined || (typeof r.requestId === "string" && r.requestId.length > 0))
  );
}

/**
 * Validates log rows: rows that plainly fit {@link logRowSchema} pass as they are, anything else goes
 * through zod, which accepts it or names every bad path (INVALID_ARGUMENT).
 */
export function parseLogRows(rows: unknown): ParsedLogRow[] {
  if (Array.isArray(rows) && rows.every(plainRow)) return rows as ParsedLogRow[];
  return parseInput(logRowsSchema, rows, "log rows");
}

/** Labels of logLabels. */
export const labelsSchema = z.array(z.object({ requestId: name, label: z.unknown() }));

/** A column profile, checked for shape when a profile comes from outside. */
const columnProfileSchema = z.object({
  kind: z.enum(["numeric", "categorical", "other"]),
  count: z.number().int().nonnegative(),
  nulls: z.number().int().nonnegative(),
  typeErrors: z.number().int().nonnegative(),
  nan: z.number().int().nonnegative(),
  infinite: z.number().int().nonnegative(),
  valid: z.number().int().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  m2: z.number().nullable(),
  sketch: z
    .object({
      alpha: z.number().gt(0).lt(1),
      maxBins: z.number().int().positive(),
      zeros: z.number().nonnegative(),
      positive: z.object({ offset: z.number().int(), counts: z.array(z.number().nonnegative()) }),
      negative: z.object({ offset: z.number().int(), counts: z.array(z.number().nonnegative()) }),
    })
    .optional(),
  distinct: z.object({ precision: z.number().int().min(4).max(16), registers: z.string() }),
  frequent: z
    .object({
      capacity: z.number().int().positive(),
      total: z.number().nonnegative(),
      maxError: z.number().nonnegative(),
      counts: z.array(z.tuple([z.string(), z.number().nonnegative()])),
    })
    .optional(),
});

/** A serialized data-set profile. */
export const datasetProfileSchema = z.object({
  rows: z.number().int().nonnegative(),
  columns: z.record(z.string(), columnProfileSchema),
});

/** The source of setReference. */
export const referenceSourceSchema = z.union([
  z.object({ rows: z.array(z.record(z.string(), z.unknown())).min(1), trainingSet: trainingSetRefSchema.optional() }),
  z.object({ profile: datasetProfileSchema, trainingSet: trainingSetRefSchema.optional() }),
]);

/** A window: a monitor-window ref with start < end. */
export const windowSchema = monitorWindowRefSchema.refine((w) => w.start < w.end, "start must be before end");

const method = z.enum(["ks", "chi2", "psi", "jensen-shannon", "wasserstein"]);
const unit = z.number().gt(0).lt(1);

/** Options of drift. */
export const driftOptionsSchema = z.object({
  source: z.enum(["auto", "raw", "profile"]).optional(),
  methods: z.record(z.string(), method).optional(),
  thresholds: z
    .object({
      pValue: unit.optional(),
      psi: finite.optional(),
      jensenShannon: finite.optional(),
      wasserstein: finite.optional(),
    })
    .optional(),
  correction: z.enum(["bonferroni", "benjamini-hochberg", "none"]).optional(),
  level: unit.optional(),
  minSampleSize: z.number().int().positive().optional(),
  largeReference: z.number().int().nonnegative().optional(),
  bins: z.number().int().min(2).max(1000).optional(),
  ksExactLimit: z.number().int().nonnegative().optional(),
  columns: z.array(name).optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/** Input of putAlertRule. */
export const alertRuleInputSchema = z
  .object({
    id: name.optional(),
    deployment: deploymentRefSchema,
    name,
    metric: z.enum([
      "dataset_drift",
      "drift_share",
      "column_drift_score",
      "row_count",
      "type_error_rate",
      "null_rate",
      "accuracy",
      "precision",
      "recall",
      "f1",
      "roc_auc",
      "rmse",
      "mae",
    ]),
    column: name.optional(),
    comparison: z.enum([">", ">=", "<", "<="]),
    threshold: finite,
    windowMs: z.number().int().positive().optional(),
    forMs: z.number().int().nonnegative().optional(),
  })
  .refine((r) => r.metric !== "column_drift_score" || r.column !== undefined, {
    message: "column_drift_score needs a column",
    path: ["column"],
  });

/** A time of windowAt: epoch milliseconds. */
export const timeSchema = finite;

/** An alert rule id. */
export const ruleIdSchema = name;

/** Options of evaluateAlerts. */
export const evaluateOptionsSchema = z.object({ at: z.number().int().optional() });
