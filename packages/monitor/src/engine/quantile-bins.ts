/**
 * The interior quantiles k/bins (k = 1 … bins−1) of an ascending array, interpolated linearly as numpy's
 * default `np.quantile` does (same index and interpolation arithmetic), duplicates removed.
 */
export function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const n = sorted.length;
  const edges: number[] = [];
  if (n === 0) return edges;
  for (let k = 1; k < bins; k++) {
    const value = quantileOfSorted(sorted, k / bins);
    if (edges.length === 0 || value !== edges[edges.length - 1]) edges.push(value);
  }
  return edges;
}

/** One linear-interpolation quantile (numpy's method 7) of an ascending non-empty array. */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  const previous = Math.floor(virtual);
  const gamma = virtual - previous;
  const a = sorted[Math.min(previous, n - 1)] as number;
  const b = sorted[Math.min(previous + 1, n - 1)] as number;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** The bin of `x` for ascending `edges`: how many edges are ≤ x (outer bins open, like `searchsorted(right)`). */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts of the values of an ascending array in the bins of `edges` (edges.length + 1 bins), in one pass. */
export function binCountsSorted(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let start = 0;
  for (let k = 0; k < edges.length; k++) {
    const end = lowerBound(sorted, edges[k] as number, start);
    counts[k] = end - start;
    start = end;
  }
  counts[edges.length] = sorted.length - start;
  return counts;
}

/** Counts of unsorted values in the bins of `edges`; NaN is skipped. */
export function binCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) counts[binIndex(edges, v)]!++;
  }
  return counts;
}

// The first index at or after `from` whose value is ≥ x.
function lowerBound(sorted: Float64Array, x: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts divided by their sum (all zeros when the sum is 0). */
export function toProportions(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}
