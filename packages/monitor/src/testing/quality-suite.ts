import { describe, expect, it } from "vitest";
import type { Fixture } from "./harness.js";
import { DEPLOYMENT, HOUR } from "./harness.js";

/** Data quality against the schema, the declared ranges and the reference's categories. */
export function qualitySuite(setup: () => Promise<Fixture>): void {
  describe("data quality", () => {
    it("counts missing columns, wrong types, nulls, non-finite, out-of-range and unseen categories", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: {
          fields: [
            { name: "age", type: "int32" },
            { name: "income", type: "float64", nullable: true },
            { name: "plan", type: "string" },
          ],
        },
        windowMs: HOUR,
        ranges: { age: { min: 0, max: 120 } },
      });
      await monitor.setReference(DEPLOYMENT, {
        rows: [
          { age: 30, income: 1, plan: "free" },
          { age: 40, income: 2, plan: "pro" },
        ],
      });
      await monitor.log(DEPLOYMENT, [
        { features: { age: 30, income: 10, plan: "free" }, requestId: "ok" },
        { features: { income: 10, plan: "free" }, requestId: "no-age" },
        { features: { age: "old", plan: "pro" }, requestId: "bad-age" },
        { features: { age: 150, income: null, plan: null }, requestId: "range" },
        { features: { age: 20, income: Number.NaN, plan: "enterprise" }, requestId: "nan" },
        { features: { age: -1, plan: "enterprise" }, requestId: "neg" },
      ]);
      const report = await monitor.quality(await monitor.windowAt(DEPLOYMENT, clock.now()));
      expect(report.rows).toBe(6);
      expect(report.ok).toBe(false);
      const issue = (column: string, kind: string) => report.issues.find((i) => i.column === column && i.kind === kind);
      expect(issue("age", "missing-column")).toMatchObject({ count: 1, examples: [{ requestId: "no-age" }] });
      expect(issue("age", "wrong-type")).toMatchObject({
        count: 1,
        examples: [{ requestId: "bad-age", value: "old" }],
      });
      expect(issue("age", "out-of-range")).toMatchObject({
        count: 2,
        examples: [
          { requestId: "range", value: 150 },
          { requestId: "neg", value: -1 },
        ],
      });
      expect(issue("plan", "null-in-non-nullable")).toMatchObject({ count: 1, examples: [{ requestId: "range" }] });
      expect(issue("plan", "unseen-category")).toMatchObject({
        count: 2,
        examples: [{ value: "enterprise" }, { value: "enterprise" }],
      });
      expect(issue("income", "non-finite")).toMatchObject({ count: 1 });
      // A nullable field may be null or absent.
      expect(issue("income", "missing-column")).toBeUndefined();
      expect(issue("income", "null-in-non-nullable")).toBeUndefined();
      expect(report.issues).toHaveLength(6);
    });

    it("a clean window is ok", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "v", type: "vector", length: 2 }] },
        windowMs: HOUR,
      });
      await monitor.log(DEPLOYMENT, [{ features: { v: [1, 2] } }]);
      const w = await monitor.windowAt(DEPLOYMENT, clock.now());
      expect(await monitor.quality(w)).toEqual({ window: w, rows: 1, issues: [], ok: true });
      await monitor.log(DEPLOYMENT, [{ features: { v: [1, 2, 3] } }]);
      expect((await monitor.quality(w)).issues).toMatchObject([{ column: "v", kind: "wrong-type", count: 1 }]);
    });
  });
}
