import { dataCommitRefSchema } from "@mlstack/core";
import { z } from "zod";

/** A repo name: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const repoNameSchema = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a repo name is letters, digits, '.', '_' and '-', starting alphanumeric");

/** A branch name: like a repo name, `/` allowed between parts; not 64 hex digits (that is a commit id). */
export const branchNameSchema = z
  .string()
  .max(200)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/,
    "a branch name is letters, digits, '.', '_', '-' and '/' between parts",
  )
  .refine(
    (s) => !/^[0-9a-f]{64}$/.test(s) && !s.includes(".."),
    "a branch name cannot look like a commit id or hold '..'",
  );

/** A revision: a branch or a commit id, optionally followed by `~n`. */
export const revisionSchema = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[^~\s]+(~\d+)?$/, "a revision is a branch or commit id, optionally with ~n");

/** JSON-compatible metadata. */
export const metadataSchema = z.record(z.string(), z.unknown());

const chunkingSchema = z.object({
  min: z.number().int(),
  avg: z.number().int(),
  max: z.number().int(),
});

/** Options of createRepo. */
export const createRepoOptionsSchema = z
  .object({ description: z.string().max(10_000).optional(), chunking: chunkingSchema.optional() })
  .strict();

const signalSchema = z.custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal").optional();

/** Options of commit. */
export const commitOptionsSchema = z
  .object({
    message: z.string().min(1).max(100_000),
    author: z.string().min(1).max(1000).optional(),
    expectedHead: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "expectedHead is a commit id")
      .optional(),
    allowEmpty: z.boolean().optional(),
    metadata: metadataSchema.optional(),
    provenance: z.array(dataCommitRefSchema).optional(),
    signal: signalSchema,
  })
  .strict();

/** Options of commitTable. */
export const commitTableOptionsSchema = commitOptionsSchema.extend({ quarantine: z.string().optional() }).strict();

/** Options of merge. */
export const mergeOptionsSchema = z
  .object({
    strategy: z.enum(["fail", "source-wins", "dest-wins"]).optional(),
    message: z.string().min(1).optional(),
    author: z.string().min(1).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

/** Options of list. */
export const listOptionsSchema = z
  .object({ prefix: z.string().optional(), glob: z.string().min(1).optional() })
  .strict();

/** Options of addDirectory. */
export const addDirectoryOptionsSchema = z
  .object({
    message: z.string().min(1).optional(),
    author: z.string().min(1).optional(),
    prefix: z.string().optional(),
    expectedHead: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    allowEmpty: z.boolean().optional(),
    signal: signalSchema,
  })
  .strict();

/** A pipeline definition (the transform is checked to be a function). */
export const pipelineSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a pipeline name is letters, digits, '.', '_' and '-'"),
  input: z.object({ repo: repoNameSchema, branch: branchNameSchema, glob: z.string().startsWith("/") }),
  output: z.object({ repo: repoNameSchema, branch: branchNameSchema }),
  fingerprint: z.object({ code: z.string().min(1), params: z.unknown().optional() }),
  transform: z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", "transform must be a function"),
  datumTries: z.number().int().min(1).max(100).optional(),
});
