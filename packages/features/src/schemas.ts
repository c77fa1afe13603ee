import { dataCommitRefSchema, schemaSchema } from "@mlstack/core";
import { z } from "zod";
import type { Row } from "./spec.js";

/** Names of entities, views, services: letters, digits, `_` and `-`, starting with a letter or `_`. */
export const definitionNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "expected letters, digits, _ or -, starting with a letter or _");

const tagsSchema = z.record(z.string(), z.string());
const timestampSchema = z.number().int("expected an integer timestamp (epoch ms)");
const signalSchema = z.custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal");

/** An entity definition. */
export const entityDefinitionSchema = z.object({
  name: definitionNameSchema,
  joinKeys: z
    .array(z.object({ name: z.string().min(1).max(255), type: z.enum(["int32", "int64", "string"]) }))
    .min(1, "an entity needs at least one join key"),
  description: z.string().optional(),
  tags: tagsSchema.optional(),
});

/** A feature view definition. */
export const featureViewDefinitionSchema = z.object({
  name: definitionNameSchema,
  entities: z.array(definitionNameSchema).min(1, "a view needs at least one entity"),
  schema: schemaSchema.refine((s) => s.fields.length > 0, "a view needs at least one feature"),
  source: z
    .object({
      eventTimestampField: z.string().min(1).optional(),
      createdTimestampField: z.string().min(1).optional(),
      dataRef: dataCommitRefSchema.optional(),
    })
    .optional(),
  ttl: z.number().int().nonnegative().optional(),
  online: z.boolean().optional(),
  stalePolicy: z.enum(["flag", "null", "error"]).optional(),
  description: z.string().optional(),
  tags: tagsSchema.optional(),
});

/** A feature service definition. */
export const featureServiceDefinitionSchema = z.object({
  name: definitionNameSchema,
  features: z.array(z.string().min(1)).min(1, "a service needs at least one feature"),
  aliases: z.record(z.string(), z.string().min(1)).optional(),
  description: z.string().optional(),
  tags: tagsSchema.optional(),
});

/** An on-demand feature view definition. */
export const onDemandFeatureViewDefinitionSchema = z.object({
  name: definitionNameSchema,
  sources: z.array(z.string().min(1)),
  requestSchema: schemaSchema.optional(),
  schema: schemaSchema.refine((s) => s.fields.length > 0, "an on-demand view needs at least one feature"),
  transform: z.custom<(inputs: Readonly<Record<string, unknown>>) => Record<string, unknown>>(
    (v) => typeof v === "function",
    "expected a function",
  ),
  description: z.string().optional(),
  tags: tagsSchema.optional(),
});

/** What `apply` and `plan` take. */
export const definitionsSchema = z.object({
  entities: z.array(entityDefinitionSchema).optional(),
  featureViews: z.array(featureViewDefinitionSchema).optional(),
  featureServices: z.array(featureServiceDefinitionSchema).optional(),
  onDemandFeatureViews: z.array(onDemandFeatureViewDefinitionSchema).optional(),
  remove: z
    .array(
      z.object({
        kind: z.enum(["entity", "featureView", "featureService", "onDemandFeatureView"]),
        name: definitionNameSchema,
      }),
    )
    .optional(),
});

// Rows are checked one by one by the engine's compiled checks; zod only checks the list itself, because
// parsing a million records with zod costs more than the whole ingest.
const rowListSchema = z.custom<readonly Row[]>(Array.isArray, "expected an array of rows");

/** `ingest` and `push` arguments. */
export const writeSchema = z.object({
  view: definitionNameSchema,
  records: rowListSchema,
  to: z.enum(["online", "offline", "both"]).optional(),
  signal: signalSchema.optional(),
});

function isRowSource(v: unknown): v is Iterable<Row> | AsyncIterable<Row> {
  return (
    typeof v === "object" &&
    v !== null &&
    (typeof (v as Iterable<Row>)[Symbol.iterator] === "function" ||
      typeof (v as AsyncIterable<Row>)[Symbol.asyncIterator] === "function")
  );
}

const selectionShape = {
  features: z.array(z.string().min(1)).min(1).optional(),
  service: definitionNameSchema.optional(),
  fullFeatureNames: z.boolean().optional(),
};

const oneSelection = (s: { features?: unknown; service?: unknown }) =>
  (s.features === undefined) !== (s.service === undefined);
const oneSelectionMessage = { message: "give either features or service" };

/** A historical retrieval request. */
export const historicalRequestSchema = z
  .object({
    ...selectionShape,
    entityRows: z.custom<Iterable<Row> | AsyncIterable<Row>>(isRowSource, "expected an iterable of rows"),
    timestampColumn: z.string().min(1).optional(),
    asOfKnownTime: timestampSchema.optional(),
    asOfKnownTimeColumn: z.string().min(1).optional(),
    signal: signalSchema.optional(),
  })
  .refine(oneSelection, oneSelectionMessage);

/** An online read request. */
export const onlineRequestSchema = z
  .object({
    ...selectionShape,
    entityRows: rowListSchema,
    columnar: z.boolean().optional(),
  })
  .refine(oneSelection, oneSelectionMessage);

/** A skew check sample. */
export const skewSampleSchema = z
  .object({ ...selectionShape, entityRows: rowListSchema })
  .refine(oneSelection, oneSelectionMessage);

/** A materialize request. */
export const materializeRequestSchema = z
  .object({
    views: z.array(definitionNameSchema).optional(),
    start: timestampSchema,
    end: timestampSchema,
    signal: signalSchema.optional(),
  })
  .refine((r) => r.start <= r.end, { message: "start must not be after end", path: ["start"] });

/** A materializeIncremental request. */
export const materializeIncrementalRequestSchema = z.object({
  views: z.array(definitionNameSchema).optional(),
  end: timestampSchema,
  signal: signalSchema.optional(),
});
