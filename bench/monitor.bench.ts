// Monitor: KS, PSI and Jensen-Shannon on 1,000,000 against 1,000,000 float64 values, each against
// Float64Array.prototype.sort of the 2,000,000 values in the same run; KS also against
// scipy.stats.ks_2samp when python3 with scipy is available (optional: the project never needs Python);
// profile ingestion of numeric values against a bare Welford loop.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createRandom } from "@mlstack/core";
import {
  binCounts,
  binCountsSorted,
  ColumnProfile,
  createMemoryMonitor,
  DatasetProfile,
  jensenShannonDistance,
  ksTest,
  populationStabilityIndex,
  quantileEdges,
  sortFloat64,
  toProportions,
} from "@mlstack/monitor";
import type { BenchRow } from "./harness.js";
import { compareMs } from "./harness.js";

const N = 1_000_000;

function normals(seed: number, n: number, shift: number, scale: number): Float64Array {
  const random = createRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + scale * random.normal();
  return out;
}

function psiAndJs(reference: Float64Array, current: Float64Array): { psi: number; js: number } {
  const sorted = sortFloat64(reference);
  const edges = quantileEdges(sorted, 10);
  const ref = toProportions(binCountsSorted(sorted, edges));
  const cur = toProportions(binCounts(current, edges));
  return { psi: populationStabilityIndex(ref, cur), js: jensenShannonDistance(ref, cur) };
}

// Median milliseconds of scipy.stats.ks_2samp on the same values, or undefined without python3/scipy.
function scipyKsMs(reference: Float64Array, current: Float64Array): { ms: number; statistic: number } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "mlstack-bench-monitor-"));
  try {
    writeFileSync(join(dir, "ref.bin"), reference);
    writeFileSync(join(dir, "cur.bin"), current);
    const script = `
import sys, time, json
import numpy as np
from scipy.stats import ks_2samp
a = np.fromfile(sys.argv[1], dtype=np.float64); b = np.fromfile(sys.argv[2], dtype=np.float64)
ks_2samp(a, b)
times = []
for _ in range(5):
    t = time.perf_counter(); r = ks_2samp(a, b); times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": sorted(times)[2], "statistic": float(r.statistic)}))
`;
    const out = spawnSync("python3", ["-c", script, join(dir, "ref.bin"), join(dir, "cur.bin")], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (out.status !== 0 || !out.stdout) return undefined;
    return JSON.parse(out.stdout) as { ms: number; statistic: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The whole log path (validation, profiles, stored rows) against profiling the same values alone.
async function logThroughput(): Promise<BenchRow> {
  const fields = Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, type: "float64" as const }));
  const random = createRandom(4);
  const batches = Array.from({ length: 20 }, () =>
    Array.from({ length: 1000 }, () => ({
      features: Object.fromEntries(fields.map((f) => [f.name, random.normal()])),
    })),
  );
  const deployment = { kind: "deployment", name: "bench" } as const;
  let sink = 0;
  const { candidate, baseline } = await compareMs(
    async () => {
      const monitor = createMemoryMonitor();
      await monitor.registerDeployment({ deployment, schema: { fields } });
      for (const batch of batches) sink += (await monitor.log(deployment, batch)).accepted;
    },
    () => {
      const profile = new DatasetProfile({ fields });
      for (const batch of batches) for (const row of batch) profile.addRow(row.features);
      sink += profile.rows;
    },
  );
  if (sink === 0) throw new Error("unreachable");
  const values = 20 * 1000 * fields.length;
  return {
    benchmark: "monitor.log (memory storage, 10 float64 columns, 1000-row batches)",
    value: values / (candidate / 1000),
    unit: "values/s",
    baseline: "DatasetProfile.addRow of the same rows (no validation, no storage)",
    baselineValue: values / (baseline / 1000),
    ratio: baseline / candidate,
    note: "context for the ingestion target: the log path also validates, encodes and stores every row",
  };
}

export default async function monitorBench(): Promise<BenchRow[]> {
  const reference = normals(1, N, 0, 1);
  const current = normals(2, N, 0.05, 1.1);
  const all = new Float64Array(2 * N);
  all.set(reference);
  all.set(current, N);
  let sink = 0;
  const sortBaseline = () => {
    sink += all.slice().sort()[N] as number;
  };

  const ks = await compareMs(() => {
    sink += ksTest(reference, current).statistic;
  }, sortBaseline);
  const binned = await compareMs(() => {
    const r = psiAndJs(reference, current);
    sink += r.psi + r.js;
  }, sortBaseline);

  const values = normals(3, 5_000_000, 10, 3);
  const ingestion = await compareMs(
    () => {
      const p = new ColumnProfile({ type: "float64" });
      for (let i = 0; i < values.length; i++) p.addNumber(values[i] as number);
      sink += p.mean;
    },
    () => {
      // Count, mean, M2, min and max only: what any profile must do at the least.
      let n = 0;
      let mean = 0;
      let m2 = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < values.length; i++) {
        const x = values[i] as number;
        n++;
        const d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
        if (x < min) min = x;
        if (x > max) max = x;
      }
      sink += m2 + min + max;
    },
  );

  const rows: BenchRow[] = [
    {
      benchmark: "KS 1e6 vs 1e6 (statistic + asymptotic p-value)",
      value: ks.candidate,
      unit: "ms",
      baseline: "Float64Array.prototype.sort of the 2e6 values",
      baselineValue: ks.baseline,
      ratio: ks.candidate / ks.baseline,
      target: "ratio <= 1.5",
      met: ks.candidate / ks.baseline <= 1.5,
      // Radix sorting is memory-bound: on a busy machine it loses more than the cache-friendly std::sort.
      note: `1-minute load average ${loadavg()[0]?.toFixed(1)}`,
    },
    {
      benchmark: "PSI + Jensen-Shannon 1e6 vs 1e6 (reference deciles)",
      value: binned.candidate,
      unit: "ms",
      baseline: "Float64Array.prototype.sort of the 2e6 values",
      baselineValue: binned.baseline,
      ratio: binned.candidate / binned.baseline,
      target: "ratio <= 2",
      met: binned.candidate / binned.baseline <= 2,
    },
  ];
  const scipy = scipyKsMs(reference, current);
  if (scipy) {
    const ours = ksTest(reference, current).statistic;
    rows.push({
      benchmark: "KS 1e6 vs 1e6 against scipy",
      value: ks.candidate,
      unit: "ms",
      baseline: "scipy.stats.ks_2samp (python3)",
      baselineValue: scipy.ms,
      ratio: ks.candidate / scipy.ms,
      target: "ratio < 1",
      met: ks.candidate < scipy.ms,
      note: `same statistic: ${Math.abs(ours - scipy.statistic) <= 1e-12}`,
    });
  }
  const perSecond = (ms: number) => values.length / (ms / 1000);
  rows.push({
    benchmark: "profile ingestion, numeric (Welford + DDSketch + HyperLogLog)",
    value: perSecond(ingestion.candidate),
    unit: "values/s",
    baseline: "bare Welford loop (count, mean, M2, min, max)",
    baselineValue: perSecond(ingestion.baseline),
    ratio: ingestion.baseline / ingestion.candidate,
    target: ">= 5,000,000 values/s",
    met: perSecond(ingestion.candidate) >= 5_000_000,
  });
  rows.push(await logThroughput());
  if (sink === 0) throw new Error("unreachable");
  return rows;
}
