import type { ColumnDrift, DriftStatus } from "./column-drift.js";

/** How the p-values of the tested columns are corrected for testing many columns at once. */
export type MultipleTestingCorrection = "bonferroni" | "benjamini-hochberg" | "none";

/** The data-set verdict. */
export interface DatasetDrift {
  status: DriftStatus;
  correction: MultipleTestingCorrection;
  /** The family-wise (Bonferroni) or false-discovery (Benjamini-Hochberg) level. */
  level: number;
  /** Columns with a verdict (not insufficient data). */
  evaluatedColumns: number;
  driftedColumns: string[];
  /** driftedColumns / evaluatedColumns (0 when none was evaluated). */
  share: number;
}

/**
 * Applies the correction to the columns decided by a test (KS, chi-square) and sets each column's
 * status; distance methods keep their threshold verdicts. The data set drifts when any column drifts
 * after correction; it is "insufficient-data" when no column had enough data.
 * `columns` are updated in place (threshold and status); `raw` holds each column's uncorrected verdict.
 */
export function datasetDrift(
  columns: ColumnDrift[],
  raw: ReadonlyMap<string, boolean>,
  correction: MultipleTestingCorrection,
  level: number,
): DatasetDrift {
  const evaluated = columns.filter((c) => c.status !== "insufficient-data");
  const tested = evaluated.filter((c) => c.pValue !== undefined);
  const m = tested.length;
  if (correction === "bonferroni") {
    for (const c of tested) {
      c.threshold = level / m;
      c.status = (c.pValue as number) < c.threshold ? "drift" : "no-drift";
    }
  } else if (correction === "benjamini-hochberg") {
    // Step-up: reject the k smallest p-values, k the largest rank with p_(k) ≤ k·level/m.
    const sorted = [...tested].sort((a, b) => (a.pValue as number) - (b.pValue as number));
    let k = 0;
    sorted.forEach((c, i) => {
      if ((c.pValue as number) <= ((i + 1) * level) / m) k = i + 1;
    });
    const cutoff = k === 0 ? 0 : (k * level) / m;
    for (const c of tested) {
      c.threshold = cutoff;
      c.status = k > 0 && (c.pValue as number) <= cutoff ? "drift" : "no-drift";
    }
  } else {
    for (const c of tested) {
      c.threshold = level;
      c.status = (c.pValue as number) < level ? "drift" : "no-drift";
    }
  }
  for (const c of evaluated) {
    if (c.pValue === undefined) c.status = raw.get(c.column) ? "drift" : "no-drift";
  }
  const drifted = evaluated.filter((c) => c.status === "drift").map((c) => c.column);
  return {
    status: evaluated.length === 0 ? "insufficient-data" : drifted.length > 0 ? "drift" : "no-drift",
    correction,
    level,
    evaluatedColumns: evaluated.length,
    driftedColumns: drifted,
    share: evaluated.length === 0 ? 0 : drifted.length / evaluated.length,
  };
}
