import { z } from "zod";
import { MlstackError } from "./errors.js";

const name = z.string().min(1);
/** A digest written `sha256:<64 hex>`. */
export const digestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 lowercase hex digits>");

/** A commit in a DataEngine repo. */
export const dataCommitRefSchema = z.object({ kind: z.literal("data-commit"), repo: name, commit: name });
/** One file in a DataEngine commit. */
export const dataFileRefSchema = z.object({
  kind: z.literal("data-file"),
  repo: name,
  commit: name,
  path: name,
  digest: digestSchema.optional(),
});
/** A FeatureStore view, optionally pinned to the hash of its definition. */
export const featureViewRefSchema = z.object({
  kind: z.literal("feature-view"),
  name,
  definitionHash: z.string().optional(),
});
/** A training set built by the FeatureStore, identified by the hash of its inputs, definitions and data. */
export const trainingSetRefSchema = z.object({ kind: z.literal("training-set"), id: name, contentHash: name });
/** A training job of the TrainingEngine. */
export const trainingJobRefSchema = z.object({ kind: z.literal("training-job"), jobId: name });
/** A run in the MetadataStore. */
export const runRefSchema = z.object({ kind: z.literal("run"), runId: name, experimentId: name.optional() });
/** Stored bytes: where they are, their digest and their size. */
export const artifactRefSchema = z.object({
  kind: z.literal("artifact"),
  uri: name,
  digest: digestSchema,
  size: z.number().int().nonnegative(),
});
/** A version of a registered model. */
export const modelVersionRefSchema = z.object({ kind: z.literal("model-version"), model: name, version: name });
/** A ServingEngine deployment, optionally at one revision. */
export const deploymentRefSchema = z.object({
  kind: z.literal("deployment"),
  name,
  revision: z.number().int().positive().optional(),
});
/** A Monitor window of a deployment's traffic, [start, end) in epoch milliseconds. */
export const monitorWindowRefSchema = z.object({
  kind: z.literal("monitor-window"),
  deployment: name,
  start: z.number().int(),
  end: z.number().int(),
});

/** Any lineage reference; `kind` tells which. */
export const refSchema = z.discriminatedUnion("kind", [
  dataCommitRefSchema,
  dataFileRefSchema,
  featureViewRefSchema,
  trainingSetRefSchema,
  trainingJobRefSchema,
  runRefSchema,
  artifactRefSchema,
  modelVersionRefSchema,
  deploymentRefSchema,
  monitorWindowRefSchema,
]);

export type DataCommitRef = z.infer<typeof dataCommitRefSchema>;
export type DataFileRef = z.infer<typeof dataFileRefSchema>;
export type FeatureViewRef = z.infer<typeof featureViewRefSchema>;
export type TrainingSetRef = z.infer<typeof trainingSetRefSchema>;
export type TrainingJobRef = z.infer<typeof trainingJobRefSchema>;
export type RunRef = z.infer<typeof runRefSchema>;
export type ArtifactRef = z.infer<typeof artifactRefSchema>;
export type ModelVersionRef = z.infer<typeof modelVersionRefSchema>;
export type DeploymentRef = z.infer<typeof deploymentRefSchema>;
export type MonitorWindowRef = z.infer<typeof monitorWindowRefSchema>;
/** Any lineage reference. */
export type Ref = z.infer<typeof refSchema>;
/** The kinds of {@link Ref}. */
export type RefKind = Ref["kind"];

const enc = (s: string | number) => encodeURIComponent(String(s));

/**
 * A stable string key for a ref: equal refs give equal keys, and {@link parseRefKey} gives the ref back.
 * Optional parts that identify (commit digest, definition hash, revision) are part of the key.
 */
export function refKey(ref: Ref): string {
  switch (ref.kind) {
    case "data-commit":
      return `data-commit:${enc(ref.repo)}@${enc(ref.commit)}`;
    case "data-file":
      return `data-file:${enc(ref.repo)}@${enc(ref.commit)}/${enc(ref.path)}${ref.digest ? `#${ref.digest}` : ""}`;
    case "feature-view":
      return `feature-view:${enc(ref.name)}${ref.definitionHash ? `#${enc(ref.definitionHash)}` : ""}`;
    case "training-set":
      return `training-set:${enc(ref.id)}#${enc(ref.contentHash)}`;
    case "training-job":
      return `training-job:${enc(ref.jobId)}`;
    case "run":
      return `run:${enc(ref.runId)}`;
    case "artifact":
      return `artifact:${ref.digest}:${ref.size}@${enc(ref.uri)}`;
    case "model-version":
      return `model-version:${enc(ref.model)}/${enc(ref.version)}`;
    case "deployment":
      return `deployment:${enc(ref.name)}${ref.revision === undefined ? "" : `@${ref.revision}`}`;
    case "monitor-window":
      return `monitor-window:${enc(ref.deployment)}@${ref.start}-${ref.end}`;
  }
}

const dec = decodeURIComponent;
const KEY_PATTERNS: ReadonlyArray<[RegExp, (m: RegExpMatchArray) => unknown]> = [
  [/^data-commit:([^@]+)@(.+)$/, (m) => ({ kind: "data-commit", repo: dec(m[1]!), commit: dec(m[2]!) })],
  [
    /^data-file:([^@]+)@([^/]+)\/([^#]+)(?:#(.+))?$/,
    (m) => ({
      kind: "data-file",
      repo: dec(m[1]!),
      commit: dec(m[2]!),
      path: dec(m[3]!),
      ...(m[4] ? { digest: m[4] } : {}),
    }),
  ],
  [
    /^feature-view:([^#]+)(?:#(.+))?$/,
    (m) => ({ kind: "feature-view", name: dec(m[1]!), ...(m[2] ? { definitionHash: dec(m[2]) } : {}) }),
  ],
  [/^training-set:([^#]+)#(.+)$/, (m) => ({ kind: "training-set", id: dec(m[1]!), contentHash: dec(m[2]!) })],
  [/^training-job:(.+)$/, (m) => ({ kind: "training-job", jobId: dec(m[1]!) })],
  [/^run:(.+)$/, (m) => ({ kind: "run", runId: dec(m[1]!) })],
  [
    /^artifact:(sha256:[0-9a-f]{64}):(\d+)@(.+)$/,
    (m) => ({ kind: "artifact", digest: m[1], size: Number(m[2]), uri: dec(m[3]!) }),
  ],
  [/^model-version:([^/]+)\/(.+)$/, (m) => ({ kind: "model-version", model: dec(m[1]!), version: dec(m[2]!) })],
  [
    /^deployment:([^@]+)(?:@(\d+))?$/,
    (m) => ({ kind: "deployment", name: dec(m[1]!), ...(m[2] ? { revision: Number(m[2]) } : {}) }),
  ],
  [
    /^monitor-window:([^@]+)@(-?\d+)-(-?\d+)$/,
    (m) => ({ kind: "monitor-window", deployment: dec(m[1]!), start: Number(m[2]), end: Number(m[3]) }),
  ],
];

/** Parses a key made by {@link refKey}; `INVALID_ARGUMENT` for anything else. */
export function parseRefKey(key: string): Ref {
  for (const [re, build] of KEY_PATTERNS) {
    const m = key.match(re);
    if (m) {
      const parsed = refSchema.safeParse(build(m));
      if (parsed.success) return parsed.data;
    }
  }
  throw new MlstackError("INVALID_ARGUMENT", `not a ref key: ${key}`, { details: { key } });
}

/** True when two refs name the same thing. */
export function sameRef(a: Ref, b: Ref): boolean {
  return refKey(a) === refKey(b);
}
