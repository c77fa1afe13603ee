import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ColumnProfile, DDSketch, FrequentItems, HyperLogLog } from "../src/index.js";

const finite = fc.double({ min: -1e9, max: 1e9, noNaN: true });
const values = fc.array(finite, { minLength: 1, maxLength: 300 });

function sketchOf(xs: readonly number[], alpha = 0.01, maxBins?: number): DDSketch {
  const s = new DDSketch(maxBins === undefined ? { alpha } : { alpha, maxBins });
  for (const x of xs) s.add(x);
  return s;
}

describe("DDSketch", () => {
  it("every quantile is within relative accuracy α of the exact one (property)", () => {
    fc.assert(
      fc.property(values, fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        // 1e-12 to 1e9 is 21 orders of magnitude: more than the default 2048 bins keep distinct.
        const s = sketchOf(xs, 0.01, 4096);
        const sorted = [...xs].sort((a, b) => a - b);
        const exact = sorted[Math.floor(q * (sorted.length - 1))] as number;
        // Magnitudes below 1e-12 are counted as zero.
        const tolerance = Math.max(s.alpha * Math.abs(exact) * (1 + 1e-9), 1e-12);
        expect(Math.abs(s.quantile(q) - exact)).toBeLessThanOrEqual(tolerance);
      }),
    );
  });

  it("merge is associative and commutative, and equals sketching the whole (property)", () => {
    fc.assert(
      fc.property(values, values, values, (a, b, c) => {
        const ab_c = sketchOf(a);
        ab_c.merge(sketchOf(b));
        ab_c.merge(sketchOf(c));
        const c_ba = sketchOf(c);
        const ba = sketchOf(b);
        ba.merge(sketchOf(a));
        c_ba.merge(ba);
        const whole = sketchOf([...a, ...b, ...c]);
        expect(ab_c.bins()).toEqual(whole.bins());
        expect(c_ba.bins()).toEqual(whole.bins());
        expect(DDSketch.fromJSON(JSON.parse(JSON.stringify(whole.toJSON()))).bins()).toEqual(whole.bins());
      }),
    );
  });

  it("stays within maxBins by collapsing the smallest magnitudes", () => {
    const s = sketchOf(
      Array.from({ length: 4000 }, (_, i) => 1.01 ** i),
      0.01,
      128,
    );
    const data = s.toJSON();
    expect(data.positive.counts.length).toBeLessThanOrEqual(128);
    expect(s.count).toBe(4000);
    // The top quantiles keep their accuracy.
    expect(Math.abs(s.quantile(1) - 1.01 ** 3999) / 1.01 ** 3999).toBeLessThanOrEqual(0.01);
  });
});

describe("HyperLogLog", () => {
  it("merge is the register-wise maximum: exact union, in any order (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.string()), (a, b) => {
        const x = new HyperLogLog();
        const y = new HyperLogLog();
        const all = new HyperLogLog();
        for (const s of a) x.addString(s);
        for (const s of b) y.addString(s);
        for (const s of [...b, ...a]) all.addString(s);
        x.merge(y);
        expect(Buffer.from(x.registers).equals(Buffer.from(all.registers))).toBe(true);
      }),
    );
  });

  it("estimates within three standard errors", () => {
    for (const n of [10, 1000, 100_000]) {
      const h = new HyperLogLog(12);
      for (let i = 0; i < n; i++) h.addNumber(i * 1.5);
      expect(Math.abs(h.estimate() - n) / n).toBeLessThan(3 * (1.04 / 64));
    }
  });
});

describe("FrequentItems", () => {
  const stream = fc.array(fc.integer({ min: 0, max: 30 }).map(String), { maxLength: 400 });

  it("underestimates every count by at most maxError ≤ n/(k+1), merged or not (property)", () => {
    fc.assert(
      fc.property(stream, stream, fc.integer({ min: 1, max: 12 }), (a, b, k) => {
        const x = new FrequentItems(k);
        const y = new FrequentItems(k);
        for (const s of a) x.add(s);
        for (const s of b) y.add(s);
        x.merge(y);
        const truth = new Map<string, number>();
        for (const s of [...a, ...b]) truth.set(s, (truth.get(s) ?? 0) + 1);
        const n = a.length + b.length;
        expect(x.maxError).toBeLessThanOrEqual(n / (k + 1) + 1e-9);
        for (const [item, count] of truth) {
          const estimate = x.counts.get(item) ?? 0;
          expect(estimate).toBeLessThanOrEqual(count);
          expect(count - estimate).toBeLessThanOrEqual(x.maxError);
        }
      }),
    );
  });
});

describe("ColumnProfile", () => {
  it("merged moments equal the moments of the whole (property)", () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const p = new ColumnProfile({ type: "float64" });
        const q = new ColumnProfile({ type: "float64" });
        for (const x of a) p.addNumber(x);
        for (const x of b) q.addNumber(x);
        p.merge(q);
        const all = [...a, ...b];
        const mean = all.reduce((s, x) => s + x, 0) / all.length;
        const variance = all.reduce((s, x) => s + (x - mean) ** 2, 0) / (all.length - 1);
        expect(Math.abs(p.mean - mean)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(mean)) + 1e-3);
        if (all.length > 1) expect(Math.abs(p.variance - variance)).toBeLessThanOrEqual(1e-6 * variance + 1e-3);
        expect(p.min).toBe(Math.min(...all));
        expect(p.max).toBe(Math.max(...all));
      }),
    );
  });
});
