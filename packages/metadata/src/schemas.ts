import { artifactRefSchema, refSchema, schemaSchema } from "@mlstack/core";
import { z } from "zod";
import type { RunFilter } from "./spec.js";

/** The longest key (metric, param, tag) or artifact path. */
export const MAX_KEY_LENGTH = 250;
/** The longest param value. */
export const MAX_PARAM_VALUE_LENGTH = 6000;
/** The longest tag value. */
export const MAX_TAG_VALUE_LENGTH = 8000;
/** The most metrics, params and tags in one batch. */
export const BATCH_LIMITS = Object.freeze({ metrics: 1000, params: 100, tags: 100 });

const KEY_CHARS = /^[A-Za-z0-9_.\- /:]+$/;

/** A metric, param or tag key, or an artifact path: `^[A-Za-z0-9_.\- /:]+$`, ≤ 250, no `..` segment, no leading `/`. */
export const keySchema = z
  .string()
  .min(1)
  .max(MAX_KEY_LENGTH)
  .regex(KEY_CHARS, "keys may hold only letters, digits, _ . - space / :")
  .refine((k) => !k.startsWith("/"), "keys may not start with /")
  .refine((k) => !k.split("/").includes(".."), "keys may not hold a .. segment");

const id = z.string().min(1).max(256);
const millis = z.number().int().refine(Number.isSafeInteger, "expected a safe integer");
const tagValue = z.string().max(MAX_TAG_VALUE_LENGTH);
const paramValue = z.string().max(MAX_PARAM_VALUE_LENGTH);
// NaN and ±Infinity are valid metric values; z.number() rejects them.
const float = z.custom<number>((v) => typeof v === "number", "expected a number");
const tagMap = z.record(keySchema, tagValue);

/** Input of `createExperiment`. */
export const createExperimentSchema = z.object({ name: z.string().min(1).max(500), tags: tagMap.optional() });

/** Input of `createRun`. */
export const createRunSchema = z.object({
  experimentId: id,
  name: z.string().min(1).max(500).optional(),
  parentRunId: id.optional(),
  tags: tagMap.optional(),
  startTime: millis.optional(),
  status: z.enum(["RUNNING", "SCHEDULED"]).optional(),
});

/** Input of `endRun`. */
export const endRunSchema = z.object({
  status: z.enum(["FINISHED", "FAILED", "KILLED"]),
  endTime: millis.optional(),
  errorMessage: z.string().max(MAX_TAG_VALUE_LENGTH).optional(),
});

/** Input of `updateRun`. */
export const updateRunSchema = z.object({
  name: z.string().min(1).max(500).optional(),
  status: z.literal("RUNNING").optional(),
});

/** One metric to log. */
export const metricInputSchema = z.object({
  key: keySchema,
  value: float,
  timestamp: millis.optional(),
  step: millis.optional(),
});

const METRIC_FIELDS = new Set(["key", "value", "timestamp", "step"]);
const isMillis = (v: unknown) => v === undefined || (typeof v === "number" && Number.isSafeInteger(v));

/**
 * An array of {@link metricInputSchema} items, checked in one pass: batches of 1000 points are the hot
 * path of tracking, and per-item object schemas cost more than the database write. Each distinct key is
 * checked once with {@link keySchema}; failures are zod issues with the item's path, as elsewhere.
 */
export const metricInputsSchema = z
  .custom<z.output<typeof metricInputSchema>[]>((v) => Array.isArray(v), "expected an array of metrics")
  .superRefine((metrics, ctx) => {
    if (metrics.length > BATCH_LIMITS.metrics) {
      ctx.addIssue({
        code: "custom",
        message: `at most ${BATCH_LIMITS.metrics} metrics per batch, got ${metrics.length}`,
      });
      return;
    }
    const goodKeys = new Set<string>();
    for (let i = 0; i < metrics.length; i++) {
      const m: unknown = metrics[i];
      if (typeof m !== "object" || m === null) {
        ctx.addIssue({ code: "custom", path: [i], message: "expected a metric object" });
        continue;
      }
      const { key, value, timestamp, step } = m as Record<string, unknown>;
      if (typeof key !== "string" || !goodKeys.has(key)) {
        const parsed = keySchema.safeParse(key);
        if (parsed.success) goodKeys.add(parsed.data);
        for (const issue of parsed.error?.issues ?? [])
          ctx.addIssue({ code: "custom", path: [i, "key"], message: issue.message });
      }
      if (typeof value !== "number") ctx.addIssue({ code: "custom", path: [i, "value"], message: "expected a number" });
      if (!isMillis(timestamp))
        ctx.addIssue({ code: "custom", path: [i, "timestamp"], message: "expected a safe integer" });
      if (!isMillis(step)) ctx.addIssue({ code: "custom", path: [i, "step"], message: "expected a safe integer" });
      for (const field in m) {
        if (!METRIC_FIELDS.has(field)) ctx.addIssue({ code: "custom", path: [i, field], message: "unknown field" });
      }
    }
  });

/** Input of `logBatch`: atomic, at most 1000 metrics, 100 params, 100 tags, each param key once. */
export const logBatchSchema = z
  .object({
    metrics: metricInputsSchema.optional(),
    params: z
      .array(z.object({ key: keySchema, value: paramValue }))
      .max(BATCH_LIMITS.params)
      .optional(),
    tags: z
      .array(z.object({ key: keySchema, value: tagValue }))
      .max(BATCH_LIMITS.tags)
      .optional(),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.params?.forEach((p, i) => {
      if (seen.has(p.key)) {
        ctx.addIssue({ code: "custom", path: ["params", i, "key"], message: `param "${p.key}" appears twice` });
      }
      seen.add(p.key);
    });
  });

/** Input of `getMetricHistory`. */
export const metricHistorySchema = z.object({
  stepRange: z.object({ min: millis.optional(), max: millis.optional() }).optional(),
  maxPoints: z.number().int().min(2).optional(),
});

const ATTRIBUTES = ["runId", "experimentId", "parentRunId", "name", "status", "startTime", "endTime"] as const;
/** Attributes holding numbers; the others hold strings. */
export const NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set(["startTime", "endTime"]);

const runFieldSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("metric"), key: keySchema }),
  z.object({ type: z.literal("param"), key: keySchema }),
  z.object({ type: z.literal("tag"), key: keySchema }),
  z.object({ type: z.literal("attribute"), key: z.enum(ATTRIBUTES) }),
]);

const isNumericField = (f: z.infer<typeof runFieldSchema>) =>
  f.type === "metric" || (f.type === "attribute" && NUMERIC_ATTRIBUTES.has(f.key));

/** The typed filter tree of `searchRuns`; value types must match the field (numbers for metrics and times). */
export const runFilterSchema: z.ZodType<RunFilter> = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal("and"), filters: z.array(runFilterSchema).min(1) }),
    z.object({ kind: z.literal("or"), filters: z.array(runFilterSchema).min(1) }),
    z.object({ kind: z.literal("not"), filter: runFilterSchema }),
    z
      .object({
        kind: z.literal("compare"),
        field: runFieldSchema,
        op: z.enum(["=", "!=", "<", "<=", ">", ">="]),
        value: z.union([
          z.custom<number>((v) => typeof v === "number" && !Number.isNaN(v), "expected a number other than NaN"),
          z.string(),
        ]),
      })
      .refine((f) => isNumericField(f.field) === (typeof f.value === "number"), {
        message: "metrics and time attributes compare with numbers; params, tags and other attributes with strings",
        path: ["value"],
      }),
    z
      .object({
        kind: z.literal("like"),
        field: runFieldSchema,
        pattern: z.string(),
        caseInsensitive: z.boolean().optional(),
      })
      .refine((f) => !isNumericField(f.field), { message: "like applies to string fields", path: ["field"] }),
    z
      .object({ kind: z.literal("in"), field: runFieldSchema, values: z.array(z.string()).min(1).max(1000) })
      .refine((f) => !isNumericField(f.field), { message: "in applies to string fields", path: ["field"] }),
    z.object({ kind: z.literal("isNull"), field: runFieldSchema }),
  ]),
);

/** Input of `searchRuns`. */
export const searchRunsSchema = z.object({
  experimentIds: z.array(id).min(1).max(1000),
  filter: runFilterSchema.optional(),
  orderBy: z
    .array(z.object({ field: runFieldSchema, direction: z.enum(["asc", "desc"]).optional() }))
    .max(10)
    .optional(),
  lifecycle: z.enum(["active", "deleted", "all"]).optional(),
  pageSize: z.number().int().min(1).max(1000).optional(),
  pageToken: z.string().optional(),
});

/** Input of `searchExperiments`. */
export const searchExperimentsSchema = z.object({
  nameLike: z.string().optional(),
  lifecycle: z.enum(["active", "deleted", "all"]).optional(),
  pageSize: z.number().int().min(1).max(1000).optional(),
  pageToken: z.string().optional(),
});

/** A registered model name. */
export const modelNameSchema = z.string().min(1).max(250);
/** A model version: a positive integer written in decimal. */
export const versionSchema = z.string().regex(/^[1-9][0-9]*$/, "versions are positive integers written as strings");

/** An alias: `^[A-Za-z0-9_\-]+$`, at most 255 characters; `latest` (any case) and `v<digits>` are reserved. */
export const aliasSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_-]+$/, "aliases may hold only letters, digits, _ and -")
  .refine((a) => a.toLowerCase() !== "latest" && !/^v\d+$/i.test(a), "the alias is reserved (latest, v<digits>)");

/** Options of `setAlias` and `deleteAlias`. */
export const aliasOptionsSchema = z.object({
  expected: versionSchema.nullable().optional(),
  by: z.string().min(1).max(250).optional(),
});

/** Options of `createRegisteredModel`. */
export const createModelSchema = z.object({
  name: modelNameSchema,
  description: z.string().max(MAX_TAG_VALUE_LENGTH).optional(),
  tags: tagMap.optional(),
});

/** Input of `createModelVersion`. */
export const createModelVersionSchema = z.object({
  source: artifactRefSchema,
  runId: id.optional(),
  signature: z.object({ inputs: schemaSchema, outputs: schemaSchema }).optional(),
  description: z.string().max(MAX_TAG_VALUE_LENGTH).optional(),
  tags: tagMap.optional(),
});

/** Input of `searchModelVersions`. */
export const searchModelVersionsSchema = z.object({
  model: modelNameSchema.optional(),
  runId: id.optional(),
  includeDeleted: z.boolean().optional(),
});

const properties = z.record(z.string().min(1).max(250), z.union([z.string(), z.number(), z.boolean()]));
const nodeId = z.string().min(1).max(1000);

/** Input of `putLineage`. */
export const lineageSubgraphSchema = z.object({
  artifacts: z.array(z.object({ ref: refSchema, properties: properties.optional() })).optional(),
  executions: z
    .array(
      z.object({ id: nodeId, type: z.string().min(1), name: z.string().optional(), properties: properties.optional() }),
    )
    .optional(),
  contexts: z
    .array(
      z.object({ id: nodeId, type: z.string().min(1), name: z.string().optional(), properties: properties.optional() }),
    )
    .optional(),
  events: z.array(z.object({ artifact: refSchema, execution: nodeId, type: z.enum(["input", "output"]) })).optional(),
  attributions: z.array(z.object({ artifact: refSchema, context: nodeId })).optional(),
  associations: z.array(z.object({ execution: nodeId, context: nodeId })).optional(),
  parentContexts: z.array(z.object({ child: nodeId, parent: nodeId })).optional(),
});

/** Options of `lineage`. */
export const lineageQuerySchema = z.object({
  start: z.array(refSchema).min(1).max(1000),
  direction: z.enum(["upstream", "downstream", "both"]),
  maxHops: z.number().int().min(0).max(1000).optional(),
});

/** Options of `toOpenLineage`. */
export const openLineageOptionsSchema = z.object({
  namespace: z.string().min(1).optional(),
  producer: z.url().optional(),
});

/** A run id, experiment id or other opaque id. */
export const idSchema = id;
/** A param value (≤ 6000 characters). */
export const paramValueSchema = paramValue;
/** A tag value (≤ 8000 characters). */
export const tagValueSchema = tagValue;
/** A list of refs. */
export const refListSchema = z.array(refSchema).max(1000);
