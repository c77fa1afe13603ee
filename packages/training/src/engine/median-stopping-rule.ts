/** Settings of the median stopping rule. */
export interface MedianStoppingSettings {
  readonly goal: "min" | "max";
  /** Completed trials with a value at a step needed before the rule judges that step. */
  readonly minTrials: number;
  /** Steps below this are never judged. */
  readonly warmupSteps: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The median stopping rule (as Optuna's MedianPruner): at `step`, a trial is pruned when its best
 * intermediate value so far is worse than the median of the completed trials' values at that step.
 */
export function medianStoppingRule(
  settings: MedianStoppingSettings,
  completed: readonly ReadonlyMap<number, number>[],
  trial: ReadonlyMap<number, number>,
  step: number,
): boolean {
  if (step < settings.warmupSteps) return false;
  const atStep = completed.map((c) => c.get(step)).filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (atStep.length < settings.minTrials) return false;
  const own = [...trial].filter(([s, v]) => s <= step && Number.isFinite(v)).map(([, v]) => v);
  if (own.length === 0) return false;
  const best = settings.goal === "min" ? Math.min(...own) : Math.max(...own);
  const m = median(atStep);
  return settings.goal === "min" ? best > m : best < m;
}
