import type { MergeStrategy } from "../spec.js";

/** The expected state of one path after a merge, or a conflict. */
export type OracleOutcome =
  | { conflict: false; value: string | undefined }
  | { conflict: true; value: string | undefined };

/**
 * The merge outcome table for one path, written out case by case: `undefined` is "absent". A side
 * that did not change gives way; equal changes agree; different changes conflict and the strategy
 * picks a side (with `fail`, the value is the destination's, unused).
 */
export function mergeOracle(
  base: string | undefined,
  source: string | undefined,
  dest: string | undefined,
  strategy: MergeStrategy,
): OracleOutcome {
  if (source === base) return { conflict: false, value: dest };
  if (dest === base) return { conflict: false, value: source };
  if (source === dest) return { conflict: false, value: source };
  return { conflict: true, value: strategy === "source-wins" ? source : dest };
}
