import { sameLength } from "./psi.js";

/**
 * Jensen-Shannon distance (the square root of the divergence) of two discrete distributions given as
 * non-negative weights over the same bins, each normalized to sum 1 (as scipy's `jensenshannon`).
 * `base` 2 (default) bounds it by 1; `Math.E` gives natural units.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[], base = 2): number {
  sameLength(p, q);
  const ps = p.reduce((s, v) => s + v, 0);
  const qs = q.reduce((s, v) => s + v, 0);
  if (ps === 0 || qs === 0) return 0;
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = (p[i] as number) / ps;
    const b = (q[i] as number) / qs;
    const m = (a + b) / 2;
    if (a > 0) divergence += a * Math.log(a / m);
    if (b > 0) divergence += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, divergence / 2) / Math.log(base));
}
