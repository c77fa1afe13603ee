import { artifactRefSchema, modelVersionRefSchema } from "@mlstack/core";
import { z } from "zod";

/** The tensor datatypes of the Open Inference Protocol that JSON can carry. */
export const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;

/** A tensor datatype, one of {@link DATATYPES}. */
export type Datatype = (typeof DATATYPES)[number];

/** Deployment and version names appear in URL paths: keep them to a safe alphabet. */
const urlName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "use letters, digits, '_', '.' and '-', starting with a letter or digit");

/** One tensor of a model signature; `-1` marks a variable dimension (the first one is the batch axis). */
export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  datatype: z.enum(DATATYPES),
  shape: z.array(z.number().int().min(-1)).min(1).max(16),
});

/** The inputs and outputs of a model. */
export const signatureSchema = z
  .object({ inputs: z.array(tensorSpecSchema).min(1), outputs: z.array(tensorSpecSchema).min(1) })
  .superRefine((s, ctx) => {
    for (const side of ["inputs", "outputs"] as const) {
      const seen = new Set<string>();
      s[side].forEach((t, i) => {
        if (seen.has(t.name)) ctx.addIssue({ code: "custom", path: [side, i, "name"], message: `duplicate ${t.name}` });
        seen.add(t.name);
      });
    }
  });

/** A model that is a TypeScript function registered with the `function` runtime under `name`. */
export const functionModelRefSchema = z.object({ kind: z.literal("function"), name: z.string().min(1) });

/** Where a version's model comes from: a registry model version, stored bytes, or a registered function. */
export const modelSourceSchema = z.discriminatedUnion("kind", [
  modelVersionRefSchema,
  artifactRefSchema,
  functionModelRefSchema,
]);

/** One entry of a traffic split. */
export const trafficEntrySchema = z.object({
  /** The version label served at `/versions/{version}`; defaults from the model source. */
  version: urlName.optional(),
  model: modelSourceSchema,
  /** Percent of the traffic, an integer; the weights of a split sum to 100. */
  weight: z.number().int().min(0).max(100),
});

/** A version that receives a copy of every routed request and whose answers are only compared. */
export const shadowSchema = z.object({
  version: urlName.optional(),
  model: modelSourceSchema,
  /** Largest absolute or relative difference of a number still counted as a match. */
  tolerance: z.number().min(0).default(1e-6),
});

/** Adaptive batching: merge requests arriving within `maxLatencyMs`, up to `maxBatchSize` rows. */
export const batchingSchema = z.object({
  maxBatchSize: z.number().int().min(1).max(1_000_000),
  maxLatencyMs: z.number().min(0).max(60_000),
});

const deploymentFields = {
  /** The name of the runtime that loads the models: `function`, `linear`, `onnx` or one you register. */
  runtime: z.string().min(1),
  signature: signatureSchema,
  /** Shorthand for a single version taking all traffic. */
  model: modelSourceSchema.optional(),
  traffic: z.array(trafficEntrySchema).min(1).max(16).optional(),
  shadow: shadowSchema.optional(),
  /** Batches (or single requests) run at once per version. */
  concurrency: z.number().int().min(1).max(1024).default(1),
  /** Requests waiting per version past which new ones are refused (`RESOURCE_EXHAUSTED`). */
  maxQueueSize: z.number().int().min(1).max(1_000_000).default(1024),
  batching: batchingSchema.optional(),
};

function sourceLabel(source: z.infer<typeof modelSourceSchema>): string {
  switch (source.kind) {
    case "model-version":
      return source.version;
    case "artifact":
      return source.digest.slice("sha256:".length, "sha256:".length + 12);
    case "function":
      return source.name;
  }
}

/** Resolved traffic of a deployment spec: the shorthand expanded and every version labelled. */
export interface ResolvedTraffic {
  traffic: { version: string; model: z.infer<typeof modelSourceSchema>; weight: number }[];
  shadow?: { version: string; model: z.infer<typeof modelSourceSchema>; tolerance: number };
}

/** Expands `model` into a one-entry split and fills in default version labels. */
export function resolveTraffic(spec: {
  model?: z.infer<typeof modelSourceSchema> | undefined;
  traffic?: z.infer<typeof trafficEntrySchema>[] | undefined;
  shadow?: z.infer<typeof shadowSchema> | undefined;
}): ResolvedTraffic {
  const entries = spec.traffic ?? (spec.model ? [{ model: spec.model, weight: 100 }] : []);
  const traffic = entries.map((e) => ({
    version: e.version ?? sourceLabel(e.model),
    model: e.model,
    weight: e.weight,
  }));
  const shadow = spec.shadow && {
    version: spec.shadow.version ?? sourceLabel(spec.shadow.model),
    model: spec.shadow.model,
    tolerance: spec.shadow.tolerance,
  };
  return shadow ? { traffic, shadow } : { traffic };
}

function checkDeployment(
  spec: z.infer<z.ZodObject<typeof deploymentFields>>,
  ctx: z.core.$RefinementCtx<z.infer<z.ZodObject<typeof deploymentFields>>>,
): void {
  if ((spec.model === undefined) === (spec.traffic === undefined)) {
    ctx.addIssue({ code: "custom", path: ["model"], message: "give exactly one of model and traffic" });
    return;
  }
  const { traffic, shadow } = resolveTraffic(spec);
  const total = traffic.reduce((sum, e) => sum + e.weight, 0);
  if (total !== 100) {
    ctx.addIssue({ code: "custom", path: ["traffic"], message: `traffic weights must sum to 100, got ${total}` });
  }
  const seen = new Set<string>();
  for (const [i, label] of [...traffic.map((e) => e.version), ...(shadow ? [shadow.version] : [])].entries()) {
    if (seen.has(label)) {
      const path = i < traffic.length ? ["traffic", i, "version"] : ["shadow", "version"];
      ctx.addIssue({ code: "custom", path, message: `version "${label}" appears twice; label versions explicitly` });
    }
    seen.add(label);
  }
  if (spec.batching) {
    const tensors = [...spec.signature.inputs, ...spec.signature.outputs];
    if (tensors.some((t) => t.shape[0] !== -1)) {
      ctx.addIssue({
        code: "custom",
        path: ["batching"],
        message: "batching merges along the first axis: every input and output needs shape[0] = -1",
      });
    }
  }
}

/** Everything of a deployment but its name: what `update` may change. */
export const deploymentChangesSchema = z.object(deploymentFields).partial();

/** A deployment: a name and how to serve it. */
export const deploymentSpecSchema = z
  .object({ name: urlName, ...deploymentFields })
  .superRefine((spec, ctx) => checkDeployment(spec, ctx));

/** Options of `rollback`. */
export const rollbackOptionsSchema = z.object({ revision: z.number().int().positive().optional() });

/** Protocol parameters: string, number or boolean values. */
export const parametersSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

// `null` stands for absent; no transform, because a pipe per field costs on every request.
const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

/** One request input. `data` is checked against the signature by the tensor decoder, not here (it may nest deeply). */
export const requestInputSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)),
  datatype: z.string(),
  parameters: nullish(parametersSchema),
  // Checked as an array only: the tensor decoder checks the values, and a per-element zod pass would be slow.
  data: z.custom<unknown[]>(Array.isArray, "expected an array"),
});

/** An Open Inference Protocol inference request; explicit `null` stands for an absent optional field. */
export const inferenceRequestSchema = z.object({
  id: nullish(z.string()),
  parameters: nullish(parametersSchema),
  inputs: z.array(requestInputSchema).min(1),
  outputs: nullish(z.array(z.object({ name: z.string(), parameters: nullish(parametersSchema) }))),
});

/** Options of `predict`. */
export const predictOptionsSchema = z.object({
  version: urlName.optional(),
  routingKey: z.string().max(1024).optional(),
  timeoutMs: z.number().positive().max(3_600_000).optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/** A deployment as given to `deploy`. */
export type DeploymentSpecInput = z.input<typeof deploymentSpecSchema>;
/** A deployment with defaults applied. */
export type DeploymentSpec = z.output<typeof deploymentSpecSchema>;
/** What `update` may change. */
export type DeploymentChanges = z.input<typeof deploymentChangesSchema>;
/** A model signature. */
export type Signature = z.output<typeof signatureSchema>;
/** One tensor of a signature. */
export type TensorSpec = z.output<typeof tensorSpecSchema>;
/** Where a model comes from. */
export type ModelSource = z.output<typeof modelSourceSchema>;
/** A model that is a registered TypeScript function. */
export type FunctionModelRef = z.output<typeof functionModelRefSchema>;
/** One traffic entry as given. */
export type TrafficEntryInput = z.input<typeof trafficEntrySchema>;
/** Batching settings. */
export type BatchingOptions = z.output<typeof batchingSchema>;
/** Protocol parameters. */
export type Parameters = z.output<typeof parametersSchema>;
/** An inference request as a caller writes it (nulls allowed where the protocol makes a field optional). */
export type InferenceRequest = z.input<typeof inferenceRequestSchema>;
/** Options of `predict`. */
export type PredictOptions = z.input<typeof predictOptionsSchema>;
/** Options of `rollback`. */
export type RollbackOptions = z.input<typeof rollbackOptionsSchema>;
