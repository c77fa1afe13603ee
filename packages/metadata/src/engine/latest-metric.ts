import type { MetricPoint } from "../spec.js";

/** A total order on metric values: -Infinity < ... < +Infinity < NaN. */
export function compareMetricValues(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether `a` supersedes `b` as the latest point of a key: the greater step wins, then the greater
 * timestamp, then the greater value (NaN above every number).
 */
export function isLaterPoint(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return compareMetricValues(a.value, b.value) > 0;
}

/**
 * Down-samples a series to at most `maxPoints` points: the series is cut into `floor(maxPoints / 2)`
 * buckets of consecutive points, and each bucket keeps its minimum and maximum (NaN counts as the
 * greatest value), in series order, so spikes survive.
 */
export function downsampleMetricHistory(points: readonly MetricPoint[], maxPoints: number): MetricPoint[] {
  if (points.length <= maxPoints) return [...points];
  const buckets = Math.floor(maxPoints / 2);
  const out: MetricPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * points.length) / buckets);
    const end = Math.floor(((b + 1) * points.length) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      const v = (points[i] as MetricPoint).value;
      if (compareMetricValues(v, (points[lo] as MetricPoint).value) < 0) lo = i;
      if (compareMetricValues(v, (points[hi] as MetricPoint).value) > 0) hi = i;
    }
    out.push(points[Math.min(lo, hi)] as MetricPoint);
    if (lo !== hi) out.push(points[Math.max(lo, hi)] as MetricPoint);
  }
  return out;
}
