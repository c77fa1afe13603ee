import { parseInput, schemaSchema } from "@mlstack/core";
import { signatureSchema } from "@mlstack/serving";
import { z } from "zod";
import { PERMISSIONS } from "./permissions.js";
import type { StackOptions } from "./spec.js";

const brickName = z.string().min(1).optional();

const modelContractSchema = z.object({
  name: z.string().min(1),
  features: z
    .object({
      service: z.string().min(1).optional(),
      features: z.array(z.string().min(1)).optional(),
      schema: schemaSchema,
      brick: brickName,
    })
    .optional(),
  trainer: z
    .object({
      name: z.string().min(1),
      version: z.string().min(1),
      inputs: schemaSchema,
      label: z.string().min(1).optional(),
      brick: brickName,
    })
    .optional(),
  signature: z.object({ inputs: schemaSchema, outputs: schemaSchema }),
  deployment: z
    .object({
      name: z.string().min(1).optional(),
      runtime: z.string().min(1),
      signature: signatureSchema,
      brick: brickName,
    })
    .optional(),
  monitor: z.object({ schema: schemaSchema, brick: brickName }).optional(),
});

const grantSchema = z.union([
  z.enum(PERMISSIONS),
  z.object({ permission: z.enum(PERMISSIONS), resource: z.string().min(1) }),
]);

const object = (what: string) =>
  z.custom<object>((v) => typeof v === "object" && v !== null, { message: `expected ${what}` });

/** The zod schema of {@link StackOptions}. */
export const stackOptionsSchema = z.object({
  name: z.string().min(1).max(128).optional(),
  clock: object("a Clock").optional(),
  ids: z.custom<object>((v) => typeof v === "function", { message: "expected an IdGenerator function" }).optional(),
  artifacts: object("an ArtifactStore").optional(),
  models: z.array(modelContractSchema).optional(),
  lineage: z
    .object({
      enabled: z.boolean().optional(),
      experiment: z.string().min(1).optional(),
      trainingSetRepo: z.string().min(1).optional(),
    })
    .optional(),
  policy: z
    .object({
      roles: z.record(z.string().min(1), z.array(grantSchema)),
      audit: z.union([z.boolean(), z.object({ experiment: z.string().min(1).optional() })]).optional(),
    })
    .optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  healthTimeoutMs: z.number().int().positive().max(600_000).optional(),
});

/** Validates stack options; the original objects (clock, stores, schemas) are kept, not copied. */
export function parseStackOptions(options: StackOptions): StackOptions {
  parseInput(stackOptionsSchema, options, "stack options");
  return options;
}
