import { createRandom } from "@mlstack/core";

/** The seed of a job that gave none: drawn from a PRNG seeded with its id, so it follows the injected id generator. */
export function jobSeed(jobId: string): number {
  return createRandom(jobId).uint32();
}
