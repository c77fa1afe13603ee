import { MlstackError, type ModelVersionRef } from "@mlstack/core";
import type { DeploymentSpec } from "@mlstack/serving";
import { resolveTraffic } from "@mlstack/serving";

/** The model version a deployment serves most: its traffic entry and version label. */
export interface Champion {
  readonly model: ModelVersionRef;
  /** The deployment's label of the version (kept when traffic is split). */
  readonly label: string;
  readonly weight: number;
}

/**
 * The registry model version with the highest weight in a deployment's traffic (the first one on a
 * tie). `FAILED_PRECONDITION` when no registry version is served (a function or a bare artifact cannot
 * be traced back to a training job).
 */
export function findChampion(spec: DeploymentSpec): Champion {
  let best: Champion | undefined;
  for (const entry of resolveTraffic(spec).traffic) {
    if (entry.model.kind !== "model-version") continue;
    if (best === undefined || entry.weight > best.weight) {
      best = { model: entry.model, label: entry.version, weight: entry.weight };
    }
  }
  if (!best) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `deployment ${spec.name} serves no registered model version, so there is no training job to rerun`,
      { details: { deployment: spec.name } },
    );
  }
  return best;
}
