import { MlstackError } from "@mlstack/core";

/** The proportion that replaces an empty bin in PSI, so the logarithm stays finite. */
export const PSI_EMPTY_PROPORTION = 1e-4;

/**
 * Population stability index Σ (cur − ref) · ln(cur / ref) over matching bins or categories, with
 * proportions of exactly 0 replaced by {@link PSI_EMPTY_PROPORTION}.
 */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[]): number {
  sameLength(reference, current);
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = (reference[i] as number) || PSI_EMPTY_PROPORTION;
    const c = (current[i] as number) || PSI_EMPTY_PROPORTION;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** `INVALID_ARGUMENT` unless two distributions have the same bins. */
export function sameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) {
    throw new MlstackError("INVALID_ARGUMENT", `distributions over different bins (${a.length} and ${b.length})`);
  }
}
