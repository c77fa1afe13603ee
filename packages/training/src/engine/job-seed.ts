import { sha256Hex } from "@mlstack/core";

/** The seed of a job that gave none: 32 bits of the hash of its id, so it follows the injected id generator. */
export function jobSeed(jobId: string): number {
  return Number.parseInt(sha256Hex(jobId).slice(0, 8), 16);
}
