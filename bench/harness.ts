import { performance } from "node:perf_hooks";

/** One line of the benchmark table: a figure next to a baseline measured in the same run. */
export interface BenchRow {
  /** What is measured. */
  benchmark: string;
  value: number;
  unit: string;
  /** What the baseline is. */
  baseline: string;
  baselineValue: number;
  /** value / baselineValue, in the same unit. */
  ratio: number;
  /** The target, in words, e.g. "ratio >= 0.5". */
  target?: string;
  /** Whether the target is met, when there is one. */
  met?: boolean;
  note?: string;
}

/** A benchmark file's default export. */
export type Benchmark = () => Promise<BenchRow[]>;

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Milliseconds taken by `fn`, the median of `rounds` runs after `warmup` unmeasured runs. */
export async function timeMs(fn: () => unknown, rounds = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * Measures `candidate` and `baseline` in alternating rounds (so drift in machine load hits both alike)
 * and returns the median milliseconds of each.
 */
export async function compareMs(
  candidate: () => unknown,
  baseline: () => unknown,
  rounds = 5,
): Promise<{ candidate: number; baseline: number }> {
  await candidate();
  await baseline();
  const c: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    await candidate();
    c.push(performance.now() - t0);
    t0 = performance.now();
    await baseline();
    b.push(performance.now() - t0);
  }
  return { candidate: median(c), baseline: median(b) };
}

/** Formats a figure with thousands separators and a sensible number of digits. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 4;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}
