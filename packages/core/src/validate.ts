import type { z } from "zod";
import { fromZodError } from "./errors.js";

/**
 * Parses `input` with a zod schema; a failure becomes `INVALID_ARGUMENT` naming `what` and every issue path.
 * Every public entry point of a brick runs its inputs through this before it changes anything.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = "input"): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, what);
  return result.data;
}
