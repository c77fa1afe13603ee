import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ColumnDrift } from "../src/index.js";
import {
  binCounts,
  chiSquareSf,
  datasetDrift,
  exactTwoSidedSf,
  jensenShannonDistance,
  kolmogorovSf,
  ksTest,
  populationStabilityIndex,
  quantileEdges,
  smirnovSf,
  sortFloat64,
  toProportions,
  wassersteinSorted,
} from "../src/index.js";
import type { DriftGolden } from "../src/testing/index.js";
import { expectClose } from "../src/testing/index.js";

const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../../shared/golden/drift.json", import.meta.url)), "utf8"),
) as DriftGolden;

// scipy 1.17.1 `kstwo.sf(x, n)` across every branch of Simard & L'Ecuyer's method selection.
const KSTWO_SF: [number, number, number][] = [
  [5, 0.3, 0.664],
  [10, 0.1, 0.99963712],
  [37, 0.2, 0.08979521784208933],
  [100, 0.05, 0.9532159710635725],
  [140, 0.12, 0.03252638258561632],
  [141, 0.05, 0.854845693009663],
  [500, 0.03, 0.7473166700457021],
  [1364, 0.0676, 7.290482314403169e-6],
  [1867, 0.018964, 0.5068383341420641],
  [5000, 0.01, 0.6954557253913853],
  [20000, 0.012, 0.006251252284121751],
  [200000, 0.001, 0.9881500208855729],
  [300, 0.6, 8.399665126868074e-104],
  [50, 0.02, 1.0],
  [500000, 0.003, 0.00024632301239186754],
];
// scipy 1.17.1 `special.smirnov(n, x)`.
const SMIRNOV: [number, number, number][] = [
  [10, 0.3, 0.1354635556],
  [100, 0.1, 0.1265906584562817],
  [1000, 0.05, 0.006506037390545166],
];

describe("distributions against scipy", () => {
  it("kstwo.sf in every regime", () => {
    for (const [n, x, p] of KSTWO_SF) expectClose(kolmogorovSf(n, x), p, 1e-6, 1e-12);
  });
  it("smirnov one-sided tail", () => {
    for (const [n, x, p] of SMIRNOV) expectClose(smirnovSf(n, x), p, 1e-9);
  });
  it("chi-square survival function", () => {
    // scipy.stats.chi2.sf
    expectClose(chiSquareSf(90.23620694851053, 4), 1.173081177898081e-18, 1e-6);
    expectClose(chiSquareSf(3, 1), 0.08326451666355042, 1e-9);
    expectClose(chiSquareSf(0.5, 10), 0.999993388289439, 1e-9);
  });
  it("Jensen-Shannon distance in natural units (golden)", () => {
    for (const c of golden.cases.filter((g) => g.kind === "numeric")) {
      const ref = sortFloat64(c.reference as number[]);
      const edges = quantileEdges(ref, 10);
      const p = toProportions(binCounts(ref, edges));
      const q = toProportions(binCounts(c.current as number[], edges));
      expectClose(jensenShannonDistance(p, q, Math.E), c.js_distance_quantile10_natural as number, 1e-9);
      const expectedEdges = c.psi_quantile10_edges as number[];
      expect(edges).toHaveLength(expectedEdges.length);
      edges.forEach((e, i) => {
        expectClose(e, expectedEdges[i] as number, 1e-12, 1e-15);
      });
    }
  });
});

// Oracles: the definitions, computed the slow and obvious way.
function ecdf(sorted: number[], x: number): number {
  return sorted.filter((v) => v <= x).length / sorted.length;
}

function bruteKs(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  return Math.max(...[...a, ...b].map((x) => Math.abs(ecdf(sa, x) - ecdf(sb, x))));
}

// P(D ≥ d) by enumerating every arrangement of n a's and m b's (all equally likely under the null).
function bruteExactSf(n: number, m: number, h: number): number {
  let hits = 0;
  let total = 0;
  const walk = (i: number, j: number, touched: boolean) => {
    const t = touched || Math.abs(i * m - j * n) >= h;
    if (i === n && j === m) {
      total++;
      if (t) hits++;
      return;
    }
    if (i < n) walk(i + 1, j, t);
    if (j < m) walk(i, j + 1, t);
  };
  walk(0, 0, false);
  return hits / total;
}

function bruteWasserstein(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  const xs = [...new Set([...a, ...b])].sort((x, y) => x - y);
  let total = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    total +=
      Math.abs(ecdf(sa, xs[i] as number) - ecdf(sb, xs[i] as number)) * ((xs[i + 1] as number) - (xs[i] as number));
  }
  return total;
}

const sample = fc.array(
  fc.integer({ min: -20, max: 20 }).map((v) => v / 4),
  { minLength: 1, maxLength: 40 },
);

describe("statistics against oracles (properties)", () => {
  it("KS statistic equals the brute-force supremum, ties included", () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        expect(ksTest(a, b).statistic).toBeCloseTo(bruteKs(a, b), 12);
      }),
    );
  });

  it("the exact p-value equals the enumeration of all arrangements", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 49 }),
        (n, m, h) => {
          expect(exactTwoSidedSf(n, m, h)).toBeCloseTo(bruteExactSf(n, m, h), 12);
        },
      ),
    );
  });

  it("Wasserstein equals the integral of the CDF gap", () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        expect(wassersteinSorted(sortFloat64(a), sortFloat64(b))).toBeCloseTo(bruteWasserstein(a, b), 10);
      }),
    );
  });

  it("the radix sort agrees with a comparison sort, including -0, infinities and NaN", () => {
    const value = fc.oneof(
      fc.double(),
      fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, Number.MIN_VALUE),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 0, maxLength: 2000 }), (values) => {
        const expected = values.filter((v) => !Number.isNaN(v)).map((v) => v + 0);
        expected.sort((x, y) => x - y);
        expect(Array.from(sortFloat64(values))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});

function tested(pValues: number[]): ColumnDrift[] {
  return pValues.map((p, i) => ({
    column: `c${i}`,
    kind: "numeric",
    method: "ks",
    score: 0,
    pValue: p,
    threshold: 0.05,
    status: p < 0.05 ? "drift" : "no-drift",
    referenceSize: 100,
    currentSize: 100,
    statistics: {},
    histogram: { labels: [], reference: [], current: [] },
  }));
}

describe("multiple-testing corrections (properties)", () => {
  const pValues = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 });

  it("Bonferroni rejects exactly the p-values below level/m", () => {
    fc.assert(
      fc.property(pValues, (ps) => {
        const result = datasetDrift(tested(ps), new Map(), "bonferroni", 0.05);
        expect(result.driftedColumns).toEqual(ps.flatMap((p, i) => (p < 0.05 / ps.length ? [`c${i}`] : [])));
      }),
    );
  });

  it("Benjamini-Hochberg rejects the largest step-up set", () => {
    fc.assert(
      fc.property(pValues, (ps) => {
        const sorted = [...ps].sort((a, b) => a - b);
        let k = 0;
        sorted.forEach((p, i) => {
          if (p <= ((i + 1) * 0.05) / ps.length) k = i + 1;
        });
        const cutoff = k === 0 ? -1 : sorted[k - 1]!;
        const result = datasetDrift(tested(ps), new Map(), "benjamini-hochberg", 0.05);
        expect(result.driftedColumns).toEqual(ps.flatMap((p, i) => (p <= cutoff ? [`c${i}`] : [])));
      }),
    );
  });
});

describe("bad input to the statistics", () => {
  it("is INVALID_ARGUMENT, not a NaN", () => {
    expect(() => ksTest([], [1])).toThrowError(/non-empty/);
    expect(() => jensenShannonDistance([0.5, 0.5], [1])).toThrowError(/different bins/);
    expect(() => populationStabilityIndex([1], [0.5, 0.5])).toThrowError(/different bins/);
  });
});
