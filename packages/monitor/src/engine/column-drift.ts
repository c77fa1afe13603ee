import { chiSquareTest } from "./chi-square-test.js";
import { jensenShannonDistance } from "./jensen-shannon.js";
import { ksTestSorted } from "./ks-test.js";
import { populationStabilityIndex } from "./psi.js";
import { binCountsSorted, quantileEdges, toProportions } from "./quantile-bins.js";
import { populationStd, wassersteinSorted } from "./wasserstein.js";

/** A drift method: two tests with p-values and three distances with thresholds. */
export type DriftMethod = "ks" | "chi2" | "psi" | "jensen-shannon" | "wasserstein";

/** The verdict on one column or a data set. */
export type DriftStatus = "drift" | "no-drift" | "insufficient-data";

/** Thresholds of the drift methods: p-values below a test's level, distances above their threshold. */
export interface DriftThresholds {
  /** Significance level of KS and chi-square (before the multiple-testing correction); default 0.05. */
  pValue: number;
  /** PSI above this is drift; default 0.1. */
  psi: number;
  /** Jensen-Shannon distance (base 2) above this is drift; default 0.1. */
  jensenShannon: number;
  /** Wasserstein distance divided by the reference std above this is drift; default 0.1. */
  wasserstein: number;
}

/** Drift settings; every threshold is configurable. */
export interface DriftSettings {
  thresholds: DriftThresholds;
  /** References with more valid values than this use the distance methods; default 1000. */
  largeReference: number;
  /** Fewer valid values than this on either side gives "insufficient-data"; default 30. */
  minSampleSize: number;
  /** Quantile bins of PSI and Jensen-Shannon; default 10. */
  bins: number;
  /** Largest n·m with an exact KS p-value; default 10,000. */
  ksExactLimit: number;
  /** Per-column method overrides. */
  methods: Record<string, DriftMethod>;
}

/** The defaults of {@link DriftSettings}. */
export const DEFAULT_DRIFT_SETTINGS: DriftSettings = Object.freeze({
  thresholds: Object.freeze({ pValue: 0.05, psi: 0.1, jensenShannon: 0.1, wasserstein: 0.1 }),
  largeReference: 1000,
  minSampleSize: 30,
  bins: 10,
  ksExactLimit: 10_000,
  methods: Object.freeze({}) as Record<string, DriftMethod>,
});

/** Reference and current distributions for the report: bin or category labels and proportions. */
export interface DriftHistogram {
  labels: string[];
  reference: number[];
  current: number[];
}

/** Every statistic computed for a column (those that apply to its kind). */
export interface DriftStatistics {
  ksStatistic?: number;
  ksPValue?: number;
  ksMethod?: "exact" | "asymp" | "sketch";
  chi2Statistic?: number;
  chi2PValue?: number;
  chi2Dof?: number;
  psi?: number;
  jensenShannon?: number;
  wasserstein?: number;
  wassersteinNormalized?: number;
}

/** The drift of one column. */
export interface ColumnDrift {
  column: string;
  kind: "numeric" | "categorical";
  method: DriftMethod;
  /** The chosen method's statistic (KS D, chi-square, PSI, JS distance, normalized Wasserstein). */
  score: number;
  /** The chosen method's p-value, for KS and chi-square. */
  pValue?: number;
  /** The threshold the verdict used (after any multiple-testing correction for p-values). */
  threshold: number;
  status: DriftStatus;
  referenceSize: number;
  currentSize: number;
  statistics: DriftStatistics;
  histogram: DriftHistogram;
  /** For drift from profiles: bounds that the sketches' error allows (see the docs). */
  bounds?: SketchBounds;
}

/** What the sketches' error allows, for drift computed from profiles. */
export interface SketchBounds {
  /** The exact KS statistic of the raw data lies in this interval. */
  ksStatistic?: [number, number];
  /** The p-value at either end of the KS interval. */
  ksPValue?: [number, number];
  /** Relative error of the PSI bin edges against the exact reference quantiles. */
  psiEdgeRelativeError?: number;
  /** Categorical counts may be underestimated by at most this many (Misra-Gries). */
  categoryCountError?: number;
}

/**
 * The documented default method: tests for small references, distances for large ones (as Evidently).
 * From profiles the numeric distance is PSI, since Wasserstein needs raw values.
 */
export function defaultMethod(
  kind: "numeric" | "categorical",
  referenceSize: number,
  largeReference: number,
  source: "raw" | "profile",
): DriftMethod {
  if (referenceSize <= largeReference) return kind === "numeric" ? "ks" : "chi2";
  if (kind === "categorical") return "jensen-shannon";
  return source === "raw" ? "wasserstein" : "psi";
}

/** Turns a method's statistics into score, p-value and a verdict (p-values are corrected later). */
export function verdict(
  method: DriftMethod,
  stats: DriftStatistics,
  thresholds: DriftThresholds,
): { score: number; pValue?: number; threshold: number; drifted: boolean } {
  switch (method) {
    case "ks":
      return {
        score: stats.ksStatistic ?? Number.NaN,
        pValue: stats.ksPValue ?? 1,
        threshold: thresholds.pValue,
        drifted: (stats.ksPValue ?? 1) < thresholds.pValue,
      };
    case "chi2":
      return {
        score: stats.chi2Statistic ?? Number.NaN,
        pValue: stats.chi2PValue ?? 1,
        threshold: thresholds.pValue,
        drifted: (stats.chi2PValue ?? 1) < thresholds.pValue,
      };
    case "psi":
      return { score: stats.psi ?? 0, threshold: thresholds.psi, drifted: (stats.psi ?? 0) > thresholds.psi };
    case "jensen-shannon":
      return {
        score: stats.jensenShannon ?? 0,
        threshold: thresholds.jensenShannon,
        drifted: (stats.jensenShannon ?? 0) > thresholds.jensenShannon,
      };
    case "wasserstein":
      return {
        score: stats.wassersteinNormalized ?? 0,
        threshold: thresholds.wasserstein,
        drifted: (stats.wassersteinNormalized ?? 0) > thresholds.wasserstein,
      };
  }
}

/** Statistics of a numeric column from raw values: KS, PSI and JS on reference deciles, Wasserstein. */
export function numericStatistics(
  reference: Float64Array,
  current: Float64Array,
  settings: Pick<DriftSettings, "bins" | "ksExactLimit">,
): DriftStatistics {
  const ks = ksTestSorted(reference, current, { exactLimit: settings.ksExactLimit });
  const edges = quantileEdges(reference, settings.bins);
  const ref = toProportions(binCountsSorted(reference, edges));
  const cur = toProportions(binCountsSorted(current, edges));
  const w = wassersteinSorted(reference, current);
  return {
    ksStatistic: ks.statistic,
    ksPValue: ks.pValue,
    ksMethod: ks.method,
    psi: populationStabilityIndex(ref, cur),
    jensenShannon: jensenShannonDistance(ref, cur),
    wasserstein: w,
    wassersteinNormalized: w / Math.max(populationStd(reference), 0.001),
  };
}

/** Statistics of a categorical column from counts: chi-square, PSI and JS over the union of categories. */
export function categoricalStatistics(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): DriftStatistics {
  const chi2 = chiSquareTest(reference, current);
  const categories = unionCategories(reference, current);
  const ref = toProportions(categories.map((c) => reference.get(c) ?? 0));
  const cur = toProportions(categories.map((c) => current.get(c) ?? 0));
  return {
    chi2Statistic: chi2.statistic,
    chi2PValue: chi2.pValue,
    chi2Dof: chi2.dof,
    psi: populationStabilityIndex(ref, cur),
    jensenShannon: jensenShannonDistance(ref, cur),
  };
}

/** The sorted union of the categories of two count maps. */
export function unionCategories(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

/** Equal-width histogram of two ascending samples over their joint range, as proportions. */
export function numericHistogram(reference: Float64Array, current: Float64Array, bins = 20): DriftHistogram {
  const lo = Math.min(reference[0] ?? 0, current[0] ?? 0);
  const hi = Math.max(reference.at(-1) ?? 0, current.at(-1) ?? 0);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const count = (values: Float64Array) => {
    const out = new Array<number>(bins).fill(0);
    for (const v of values) out[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
    return toProportions(out);
  };
  const labels = Array.from({ length: bins }, (_, i) => formatNumber(lo + i * width));
  return { labels, reference: count(reference), current: count(current) };
}

/** Category histogram over the union of categories, as proportions. */
export function categoricalHistogram(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): DriftHistogram {
  const labels = unionCategories(reference, current);
  return {
    labels,
    reference: toProportions(labels.map((c) => reference.get(c) ?? 0)),
    current: toProportions(labels.map((c) => current.get(c) ?? 0)),
  };
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
