import { logGamma } from "./log-gamma.js";

const EPS = 1e-16;
const TINY = 1e-300;

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a): a power series below
 * x = a + 1, a Lentz continued fraction above it, so small tail probabilities keep their relative accuracy.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logPrefix) * h;
}

/** The survival function of the chi-square distribution with `dof` degrees of freedom. */
export function chiSquareSf(x: number, dof: number): number {
  return regularizedGammaQ(dof / 2, x / 2);
}

/** The result of {@link chiSquareTest}. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
}

/**
 * Pearson chi-square goodness of fit of the current counts against the reference proportions, over the
 * categories seen in the reference: expected = reference proportion × the sum of those observed counts.
 * Categories new in the current data are left out (PSI and Jensen-Shannon see them).
 */
export function chiSquareTest(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): ChiSquareResult {
  let refTotal = 0;
  let observedTotal = 0;
  for (const [category, count] of reference) {
    refTotal += count;
    observedTotal += current.get(category) ?? 0;
  }
  const dof = reference.size - 1;
  if (observedTotal === 0 || dof <= 0) return { statistic: 0, pValue: 1, dof: Math.max(dof, 0) };
  let statistic = 0;
  for (const [category, count] of reference) {
    const expected = (count / refTotal) * observedTotal;
    const diff = (current.get(category) ?? 0) - expected;
    statistic += (diff * diff) / expected;
  }
  return { statistic, pValue: chiSquareSf(statistic, dof), dof };
}
