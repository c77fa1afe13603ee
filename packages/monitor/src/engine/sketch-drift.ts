import type { DriftHistogram, DriftSettings, DriftStatistics, SketchBounds } from "./column-drift.js";
import { categoricalStatistics } from "./column-drift.js";
import type { ColumnProfile } from "./column-profile.js";
import type { DDSketch } from "./dd-sketch.js";
import { jensenShannonDistance } from "./jensen-shannon.js";
import { kolmogorovSf } from "./kolmogorov-distribution.js";
import { populationStabilityIndex } from "./psi.js";
import { toProportions } from "./quantile-bins.js";

/**
 * KS, PSI and Jensen-Shannon of a numeric column from two DDSketches, without raw data.
 * Both sketches share the bin boundaries, so both empirical CDFs are exact at every boundary: the KS
 * statistic over the boundaries is a lower bound of the exact one, and the largest jump a bin can hide
 * gives the upper bound. PSI bins are the sketch boundaries nearest above the reference deciles, within
 * relative error γ − 1 = 2α/(1 − α) of the exact deciles; the proportions in them are exact.
 */
export function sketchNumericStatistics(
  reference: DDSketch,
  current: DDSketch,
  settings: Pick<DriftSettings, "bins">,
): { statistics: DriftStatistics; bounds: SketchBounds; histogram: DriftHistogram } {
  const refBins = new Map(reference.bins().map((b) => [b.id, b]));
  const curBins = new Map(current.bins().map((b) => [b.id, b]));
  const all = [...new Map([...refBins, ...curBins]).values()].sort((a, b) => a.upper - b.upper);
  const n = reference.count;
  const m = current.count;
  let fr = 0;
  let fc = 0;
  let lower = 0;
  let upper = 0;
  for (const bin of all) {
    const r = (refBins.get(bin.id)?.count ?? 0) / n;
    const c = (curBins.get(bin.id)?.count ?? 0) / m;
    // Inside the bin each CDF moves from its value before to its value after, in an unknown way.
    upper = Math.max(upper, Math.abs(fr + r - fc), Math.abs(fr - fc - c));
    fr += r;
    fc += c;
    lower = Math.max(lower, Math.abs(fr - fc));
  }
  upper = Math.min(1, Math.max(upper, lower));
  const en = Math.round((n * m) / (n + m));
  const pAt = (d: number) => kolmogorovSf(en, d);

  // PSI bins: each shared bin joins the reference decile in which its reference CDF starts.
  const byDecile = new Map<number, { ref: number; cur: number; label: string }>();
  let seen = 0;
  for (const bin of all) {
    const k = Math.min(settings.bins - 1, Math.floor((seen * settings.bins) / n));
    let g = byDecile.get(k);
    if (!g) byDecile.set(k, (g = { ref: 0, cur: 0, label: formatEdge(bin.lower) }));
    const rc = refBins.get(bin.id)?.count ?? 0;
    g.ref += rc;
    g.cur += curBins.get(bin.id)?.count ?? 0;
    seen += rc;
  }
  const groups = [...byDecile.values()];
  const ref = toProportions(groups.map((g) => g.ref));
  const cur = toProportions(groups.map((g) => g.cur));
  return {
    statistics: {
      ksStatistic: lower,
      ksPValue: pAt(lower),
      ksMethod: "sketch",
      psi: populationStabilityIndex(ref, cur),
      jensenShannon: jensenShannonDistance(ref, cur),
    },
    bounds: {
      ksStatistic: [lower, upper],
      ksPValue: [pAt(upper), pAt(lower)],
      psiEdgeRelativeError: reference.gamma - 1,
    },
    histogram: { labels: groups.map((g) => g.label), reference: ref, current: cur },
  };
}

/** Chi-square, PSI and JS of a categorical column from two frequent-item summaries. */
export function sketchCategoricalStatistics(
  reference: ColumnProfile,
  current: ColumnProfile,
): {
  statistics: DriftStatistics;
  bounds: SketchBounds;
  referenceCounts: Map<string, number>;
  currentCounts: Map<string, number>;
} {
  const referenceCounts = new Map(reference.frequent?.counts ?? []);
  const currentCounts = new Map(current.frequent?.counts ?? []);
  return {
    statistics: categoricalStatistics(referenceCounts, currentCounts),
    bounds: { categoryCountError: Math.max(reference.frequent?.maxError ?? 0, current.frequent?.maxError ?? 0) },
    referenceCounts,
    currentCounts,
  };
}

function formatEdge(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
