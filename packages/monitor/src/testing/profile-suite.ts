import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DatasetProfileData } from "../engine/dataset-profile.js";
import { DDSketch } from "../engine/dd-sketch.js";
import { HyperLogLog } from "../engine/hyper-log-log.js";
import type { Fixture } from "./harness.js";
import { DEPLOYMENT, expectClose, HOUR } from "./harness.js";

const schema = {
  fields: [
    { name: "x", type: "float64" as const, nullable: true },
    { name: "c", type: "string" as const, nullable: true },
  ],
};

const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, null, "oops") },
);
const category = fc.oneof(fc.constantFrom("a", "b", "c", "d"), fc.constant(null), fc.constant(7));
const rows = fc.array(fc.record({ x: value, c: category }), { minLength: 1, maxLength: 60 });

/** Compares two profiles: counts exactly, moments within float error, sketches exactly. */
function expectSameProfile(a: DatasetProfileData, b: DatasetProfileData): void {
  expect(a.rows).toBe(b.rows);
  for (const name of Object.keys(b.columns)) {
    const p = a.columns[name]!;
    const q = b.columns[name]!;
    for (const k of ["count", "nulls", "typeErrors", "nan", "infinite", "valid", "min", "max"] as const) {
      expect(p[k], `${name}.${k}`).toBe(q[k]);
    }
    if (q.mean !== null) expectClose(p.mean ?? undefined, q.mean, 1e-9, 1e-6);
    if (q.m2 !== null) expectClose(p.m2 ?? undefined, q.m2, 1e-7, 1e-3);
    if (q.sketch) {
      const s = DDSketch.fromJSON(p.sketch!);
      const t = DDSketch.fromJSON(q.sketch);
      for (const quantile of [0, 0.1, 0.5, 0.9, 1]) expect(s.quantile(quantile)).toBe(t.quantile(quantile));
    }
    expect(HyperLogLog.fromJSON(p.distinct).estimate()).toBe(HyperLogLog.fromJSON(q.distinct).estimate());
    if (q.frequent) {
      // Four categories fit the summary: its counts are exact, so merged and whole agree.
      expect(new Map(p.frequent!.counts)).toEqual(new Map(q.frequent.counts));
    }
  }
}

/** Profiles: counting rules, merge properties (through storage), quantile and distinct-count bounds. */
export function profileSuite(setup: () => Promise<Fixture>): void {
  describe("profiles", () => {
    it("counts nulls, type errors, NaN and infinities instead of throwing", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      const result = await monitor.log(DEPLOYMENT, [
        { features: { x: 1, c: "a" } },
        { features: { x: "1.5", c: 3 } },
        { features: { x: Number.NaN, c: null } },
        { features: { x: Number.NEGATIVE_INFINITY } },
        { features: { x: 3, c: "b" } },
      ]);
      expect(result).toMatchObject({ accepted: 5, typeErrors: 2, nulls: 2 });
      const profile = await monitor.profile(await monitor.windowAt(DEPLOYMENT, clock.now()));
      expect(profile.rows).toBe(5);
      expect(profile.columns.x).toMatchObject({ count: 5, valid: 2, typeErrors: 1, nan: 1, infinite: 1, nulls: 0 });
      expect(profile.columns.x).toMatchObject({ min: 1, max: 3, mean: 2, m2: 2 });
      expect(profile.columns.c).toMatchObject({ count: 5, valid: 2, typeErrors: 1, nulls: 2 });
    });

    it("merging the profiles of two windows equals profiling the whole (property)", async () => {
      await fc.assert(
        fc.asyncProperty(rows, rows, async (first, second) => {
          const { monitor, clock } = await setup();
          await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
          const t0 = clock.now() - (clock.now() % HOUR);
          await monitor.log(
            DEPLOYMENT,
            first.map((f) => ({ features: f, timestamp: t0 })),
          );
          await monitor.log(
            DEPLOYMENT,
            second.map((f) => ({ features: f, timestamp: t0 + HOUR })),
          );
          const merged = await monitor.profile({
            kind: "monitor-window",
            deployment: "churn",
            start: t0,
            end: t0 + 2 * HOUR,
          });
          // The whole, logged into one window of a second deployment in one call.
          const whole = { kind: "deployment", name: "whole" } as const;
          await monitor.registerDeployment({ deployment: whole, schema, windowMs: HOUR });
          await monitor.log(
            whole,
            [...second, ...first].map((f) => ({ features: f, timestamp: t0 })),
          );
          const all = await monitor.profile({ kind: "monitor-window", deployment: "whole", start: t0, end: t0 + HOUR });
          expectSameProfile(merged, all);
          await monitor.stop?.();
        }),
        { numRuns: 12 },
      );
    });

    it("several log calls into one window merge in storage like one call", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      const other = { kind: "deployment", name: "other" } as const;
      await monitor.registerDeployment({ deployment: other, schema, windowMs: HOUR });
      const data = Array.from({ length: 90 }, (_, i) => ({ x: (i * 37) % 11, c: ["a", "b", "c"][i % 3] }));
      for (let i = 0; i < 90; i += 30)
        await monitor.log(
          DEPLOYMENT,
          data.slice(i, i + 30).map((f) => ({ features: f })),
        );
      await monitor.log(
        other,
        data.map((f) => ({ features: f })),
      );
      const w = await monitor.windowAt(DEPLOYMENT, clock.now());
      const a = await monitor.profile(w);
      const b = await monitor.profile({ ...w, deployment: "other" });
      expectSameProfile(a, b);
    });

    it("keeps quantiles within the sketch's relative accuracy and distinct counts within 5%", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      const n = 5000;
      const values = Array.from({ length: n }, (_, i) => Math.exp(((i * 7919) % n) / 500));
      await monitor.log(
        DEPLOYMENT,
        values.map((x) => ({ features: { x } })),
      );
      const profile = await monitor.profile(await monitor.windowAt(DEPLOYMENT, clock.now()));
      const sketch = DDSketch.fromJSON(profile.columns.x!.sketch!);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.01, 0.25, 0.5, 0.75, 0.99]) {
        const exact = sorted[Math.floor(q * (n - 1))] as number;
        expect(Math.abs(sketch.quantile(q) - exact)).toBeLessThanOrEqual(sketch.alpha * exact * (1 + 1e-12));
      }
      const distinct = HyperLogLog.fromJSON(profile.columns.x!.distinct).estimate();
      expect(Math.abs(distinct - n) / n).toBeLessThan(0.05);
    });

    it("round-trips a profile as a reference", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      await monitor.log(DEPLOYMENT, [{ features: { x: 1, c: "a" } }, { features: { x: 2, c: "b" } }]);
      const profile = await monitor.profile(await monitor.windowAt(DEPLOYMENT, clock.now()));
      const copy = JSON.parse(JSON.stringify(profile)) as DatasetProfileData;
      const info = await monitor.setReference(DEPLOYMENT, { profile: copy });
      expect(info).toMatchObject({ rows: 2, hasRawData: false, lineage: [] });
    });
  });
}
