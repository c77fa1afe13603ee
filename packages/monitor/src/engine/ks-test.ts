import { MlstackError } from "@mlstack/core";
import { kolmogorovSf } from "./kolmogorov-distribution.js";
import { sortFloat64 } from "./sort-float64.js";

/** The result of a two-sample Kolmogorov-Smirnov test. */
export interface KsResult {
  /** sup |F_ref(x) − F_cur(x)| over the two empirical CDFs. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** `exact` when n·m ≤ the exact limit, `asymp` otherwise (as scipy's `ks_2samp`). */
  method: "exact" | "asymp";
}

/** Options of {@link ksTest}. */
export interface KsOptions {
  /** The largest n·m for which the p-value is exact; default 10,000. */
  exactLimit?: number;
}

/** Two-sample two-sided KS test; NaN values are ignored. Both samples must be non-empty. */
export function ksTest(reference: ArrayLike<number>, current: ArrayLike<number>, options: KsOptions = {}): KsResult {
  return ksTestSorted(sortFloat64(reference), sortFloat64(current), options);
}

/** {@link ksTest} on two ascending arrays without NaN (as {@link sortFloat64} returns). */
export function ksTestSorted(a: Float64Array, b: Float64Array, options: KsOptions = {}): KsResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new MlstackError("INVALID_ARGUMENT", "the KS test needs two non-empty samples");
  // The largest |i·m − j·n| over the merged order: an integer, so D = h / (n·m) has no rounding drift.
  let h = 0;
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const ai = a[i] as number;
    const bj = b[j] as number;
    const v = Math.min(ai, bj);
    while (i < n && a[i] === v) i++;
    while (j < m && b[j] === v) j++;
    const diff = Math.abs(i * m - j * n);
    if (diff > h) h = diff;
  }
  // After one sample runs out, the gap only shrinks towards 0 at (n, m).
  if (i < n || j < m) h = Math.max(h, Math.abs(i * m - j * n));
  const statistic = h / (n * m);
  if (n * m <= (options.exactLimit ?? 10_000)) {
    return { statistic, pValue: h === 0 ? 1 : exactTwoSidedSf(n, m, h), method: "exact" };
  }
  const en = roundHalfEven((n * m) / (n + m));
  return { statistic, pValue: kolmogorovSf(en, statistic), method: "asymp" };
}

/**
 * The exact P(D ≥ h/(n·m)) under the null: the probability that a uniformly random lattice path from
 * (0, 0) to (n, m) touches |i·m − j·n| ≥ h. Probability mass moves along the path with the
 * hypergeometric step probabilities, and the mass that first touches the boundary is summed, so the
 * tail is a sum of positive terms (no 1 − p cancellation for small p-values).
 */
export function exactTwoSidedSf(n: number, m: number, h: number): number {
  let row = new Float64Array(m + 1);
  let next = new Float64Array(m + 1);
  row[0] = 1;
  let outside = 0;
  for (let i = 0; i <= n; i++) {
    next.fill(0);
    for (let j = 0; j <= m; j++) {
      const p = row[j] as number;
      if (p === 0) continue;
      const left = n - i + m - j;
      if (left === 0) continue;
      if (j < m) {
        const q = (p * (m - j)) / left;
        if (Math.abs(i * m - (j + 1) * n) >= h) outside += q;
        else row[j + 1] = (row[j + 1] as number) + q;
      }
      if (i < n) {
        const q = (p * (n - i)) / left;
        if (Math.abs((i + 1) * m - j * n) >= h) outside += q;
        else next[j] = (next[j] as number) + q;
      }
    }
    const t = row;
    row = next;
    next = t;
  }
  return Math.min(1, outside);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
