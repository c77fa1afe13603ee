/**
 * First Wasserstein distance ∫ |F_a(x) − F_b(x)| dx between the empirical distributions of two
 * ascending arrays without NaN, in one merge walk.
 */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let total = 0;
  let x = Math.min(a[0] as number, b[0] as number);
  while (i < n || j < m) {
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    if (i === n && j === m) break;
    const next = i === n ? (b[j] as number) : j === m ? (a[i] as number) : Math.min(a[i] as number, b[j] as number);
    total += Math.abs(i / n - j / m) * (next - x);
    x = next;
  }
  return total;
}

/** The population standard deviation of an array. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] as number;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}
