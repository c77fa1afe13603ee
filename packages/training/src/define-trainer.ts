import { MlstackError } from "@mlstack/core";
import { z } from "zod";
import type { AnyTrainer, CommandTrainer, Trainer } from "./spec.js";

// A registry-wide symbol, so a worker that imports another copy of this package still recognises trainers.
const TRAINER_MARKER = Symbol.for("@mlstack/training/trainer");

const definitionSchema = z.object({
  name: z.string().min(1).max(200),
  version: z.string().min(1).max(200),
  module: z.string().url().optional(),
});

function checkDefinition(definition: { name: unknown; version: unknown; params: unknown; module?: unknown }): void {
  const parsed = definitionSchema.safeParse(definition);
  const paramsOk = definition.params instanceof z.ZodType;
  if (!parsed.success || !paramsOk) {
    throw new MlstackError(
      "INVALID_ARGUMENT",
      "a trainer needs a name, a version, a zod params schema and a module URL",
      {
        details: { issues: parsed.success ? [] : parsed.error.issues.map((i) => i.message), paramsIsZod: paramsOk },
      },
    );
  }
}

/**
 * Defines a trainer. Pass `module: import.meta.url` and export the trainer from that module so worker
 * threads and child processes can import it (the in-process executor does not need it).
 */
export function defineTrainer<S extends z.ZodType>(definition: {
  name: string;
  version: string;
  params: S;
  module?: string | URL;
  run: Trainer<z.output<S>>["run"];
}): Trainer<z.output<S>> {
  const module = definition.module === undefined ? undefined : String(definition.module);
  checkDefinition({ ...definition, module });
  if (typeof definition.run !== "function")
    throw new MlstackError("INVALID_ARGUMENT", "a trainer needs a run function");
  const trainer = {
    name: definition.name,
    version: definition.version,
    params: definition.params,
    module,
    run: definition.run,
  };
  Object.defineProperty(trainer, TRAINER_MARKER, { value: true });
  return Object.freeze(trainer) as Trainer<z.output<S>>;
}

/** Defines a trainer that is an external program speaking the child-process JSON-lines protocol. */
export function defineCommandTrainer<S extends z.ZodType>(definition: {
  name: string;
  version: string;
  params: S;
  command: readonly [string, ...string[]];
  cwd?: string;
  env?: Record<string, string>;
  codeFiles?: readonly string[];
}): CommandTrainer<z.output<S>> {
  checkDefinition(definition);
  if (!Array.isArray(definition.command) || definition.command.length === 0) {
    throw new MlstackError("INVALID_ARGUMENT", "a command trainer needs a non-empty command");
  }
  const trainer = { ...definition, command: Object.freeze([...definition.command]) };
  Object.defineProperty(trainer, TRAINER_MARKER, { value: true });
  return Object.freeze(trainer) as unknown as CommandTrainer<z.output<S>>;
}

/** True for a value made by {@link defineTrainer} or {@link defineCommandTrainer}, from any copy of this package. */
export function isTrainer(value: unknown): value is AnyTrainer {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TRAINER_MARKER] === true;
}

/** True for a trainer that is an external command. */
export function isCommandTrainer(trainer: AnyTrainer): trainer is CommandTrainer<unknown> {
  return "command" in trainer;
}
