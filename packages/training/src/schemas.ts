import { artifactRefSchema, refSchema, schemaSchema } from "@mlstack/core";
import { z } from "zod";

const name = z.string().min(1).max(200);

/** Which trainer a job runs: its name and version. */
export const trainerIdSchema = z.object({ name, version: name });

/**
 * Failure kinds: `transient` (the trainer threw a retryable error), `error` (any other error it threw),
 * `crash` (its thread or process died), `oom` (it hit its memory limit), `invalid-result` (its result did
 * not validate).
 */
export const failureKindSchema = z.enum(["transient", "error", "crash", "oom", "invalid-result"]);

/** Which failures are retried, and how often. */
export const retryPolicySchema = z.object({
  /** Retries after the first attempt; 0 means never retry. */
  maxRetries: z.number().int().min(0).max(100).default(0),
  /** The failure kinds that are transient and retried; all others are permanent. */
  retryOn: z.array(failureKindSchema).default(["transient", "crash"]),
  /** Wait before each retry, in milliseconds. */
  backoffMs: z.number().int().min(0).max(3_600_000).default(0),
});

/** The checkpoint policy of a job. */
export const checkpointPolicySchema = z.object({
  /** How many of the latest checkpoints are kept; older ones are deleted. */
  keepLast: z.number().int().min(1).max(1000).default(3),
});

/** What a job needs to run. */
export const resourcesSchema = z.object({
  /** Heap limit of the trainer's thread or process in MiB (enforced by isolating executors). */
  memoryMb: z.number().int().min(16).max(1_048_576).optional(),
});

/** A job to submit: which trainer, its params, its inputs and the policies it runs under. */
export const jobSpecSchema = z.object({
  trainer: trainerIdSchema,
  /** The trainer's params; validated against the trainer's own schema before anything runs. */
  params: z.unknown().default({}),
  /** Refs of the inputs the trainer may read (training sets, data commits, ...). */
  inputs: z.array(refSchema).default([]),
  /** The seed of `ctx.random`; drawn from the job id when absent, and always recorded. */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  resources: resourcesSchema.default({}),
  /** The longest the job may run, over all its attempts, before it is `TIMED_OUT`. */
  maxRuntimeMs: z.number().int().positive().max(2_147_483_647).optional(),
  /** How long a cancelled or timed-out trainer gets to stop on its own before it is terminated. */
  graceMs: z.number().int().min(0).max(600_000).optional(),
  retry: retryPolicySchema.default({ maxRetries: 0, retryOn: ["transient", "crash"], backoffMs: 0 }),
  checkpoints: checkpointPolicySchema.default({ keepLast: 3 }),
  /** Free-form labels, e.g. the sweep and trial a job belongs to. */
  labels: z.record(z.string(), z.string()).default({}),
});

/** A job spec as submitted (defaults not yet applied). */
export type JobSpecInput = z.input<typeof jobSpecSchema>;
/** A job spec with its defaults applied. */
export type JobSpec = z.output<typeof jobSpecSchema>;
/** A retry policy with defaults applied. */
export type RetryPolicy = z.output<typeof retryPolicySchema>;
/** A failure kind. */
export type FailureKind = z.output<typeof failureKindSchema>;

/** What a trainer returns: its model artifact and signature (together or neither) and its final metrics. */
export const trainerResultSchema = z
  .object({
    model: artifactRefSchema.optional(),
    signature: z.object({ inputs: schemaSchema, outputs: schemaSchema }).optional(),
    metrics: z.record(z.string(), z.number()).default({}),
  })
  .refine((r) => (r.model === undefined) === (r.signature === undefined), {
    message: "a result names its model artifact and its signature together",
    path: ["signature"],
  });

/** A trainer's result, validated. */
export type TrainerResult = z.output<typeof trainerResultSchema>;
/** A trainer's result as returned by `run`. */
export type TrainerResultInput = z.input<typeof trainerResultSchema>;

const uniform = z.object({
  type: z.literal("uniform"),
  low: z.number(),
  high: z.number(),
  gridPoints: z.int().min(1).max(10_000).optional(),
});
const logUniform = z.object({
  type: z.literal("logUniform"),
  low: z.number().positive(),
  high: z.number().positive(),
  gridPoints: z.int().min(1).max(10_000).optional(),
});
const intRange = z.object({
  type: z.literal("intRange"),
  low: z.int(),
  high: z.int(),
  step: z.int().positive().default(1),
});
const choice = z.object({
  type: z.literal("choice"),
  values: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).min(1),
});

/** One dimension of a search space. */
export const paramDomainSchema = z
  .discriminatedUnion("type", [uniform, logUniform, intRange, choice])
  .refine((d) => d.type === "choice" || d.low <= d.high, { message: "low must not exceed high" });

/** A sweep: a trainer, a search space, an objective and the rules of the search. */
export const sweepSpecSchema = z.object({
  trainer: trainerIdSchema,
  /** Params shared by every trial; the sampled ones are merged over them. */
  baseParams: z.record(z.string(), z.unknown()).default({}),
  space: z.record(z.string(), paramDomainSchema).refine((s) => Object.keys(s).length > 0, "the space is empty"),
  objective: z.object({ metric: z.string().min(1), goal: z.enum(["min", "max"]) }),
  algorithm: z.enum(["grid", "random"]),
  /** Seeds the sampling and each trial's job seed: the same seed gives the same trials. */
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  maxTrials: z.number().int().min(1).max(100_000),
  parallelism: z.number().int().min(1).max(1024).default(1),
  /** The sweep stops starting trials once more than this many have failed. */
  maxFailedTrials: z.number().int().min(0).default(0),
  /** The median stopping rule on the objective's intermediate values. */
  earlyStopping: z
    .object({
      rule: z.literal("median"),
      /** Completed trials needed at a step before the rule prunes anything there. */
      minTrials: z.number().int().min(1).default(3),
      /** Steps before this one are never judged. */
      warmupSteps: z.number().int().min(0).default(0),
    })
    .optional(),
  inputs: z.array(refSchema).default([]),
  /**
   * Job settings applied to every trial. Its `labels` go on every trial's job beside the `trial` label
   * the sweep sets (so they may not name `trial` themselves), e.g. to tie the trials to a parent run.
   */
  job: jobSpecSchema
    .pick({ resources: true, maxRuntimeMs: true, graceMs: true, retry: true, checkpoints: true, labels: true })
    .partial()
    .refine((job) => job.labels === undefined || !Object.hasOwn(job.labels, "trial"), {
      message: "the sweep sets the trial label itself",
      path: ["labels", "trial"],
    })
    .default({}),
});

/** A sweep spec as given (defaults not yet applied). */
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
/** A sweep spec with its defaults applied. */
export type SweepSpec = z.output<typeof sweepSpecSchema>;
/** One dimension of a search space. */
export type ParamDomain = z.output<typeof paramDomainSchema>;
