import { describe, expect, it } from "vitest";
import type { Fixture } from "./harness.js";
import { DEPLOYMENT, expectCode, HOUR } from "./harness.js";

/** Model performance from delayed labels, and the Prometheus exposition. */
export function performanceSuite(setup: () => Promise<Fixture>): void {
  describe("model performance", () => {
    it("scores a classifier from delayed labels", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "x", type: "float64" }] },
        windowMs: HOUR,
        prediction: { task: "classification", positiveLabel: "1" },
      });
      // predicted, score, actual: TP, FP, FN, TN, TP
      const rows = [
        [1, 0.9, 1],
        [1, 0.8, 0],
        [0, 0.3, 1],
        [0, 0.1, 0],
        [1, 0.7, 1],
      ] as const;
      await monitor.log(
        DEPLOYMENT,
        rows.map(([p, s], i) => ({ features: { x: i }, prediction: p, score: s, requestId: `r${i}` })),
      );
      const window = await monitor.windowAt(DEPLOYMENT, clock.now());
      expect(await monitor.performance(window)).toMatchObject({ task: "classification", count: 0 });
      await monitor.logLabels(
        DEPLOYMENT,
        rows.map(([, , a], i) => ({ requestId: `r${i}`, label: a })),
      );
      const m = await monitor.performance(window);
      expect(m).toMatchObject({ task: "classification", count: 5, accuracy: 0.6 });
      // Predicted classes drift like any categorical column, also when the reference carries them.
      await monitor.setReference(DEPLOYMENT, { rows: rows.map(([p], i) => ({ x: i, prediction: p })) });
      const drift = await monitor.drift(window, { minSampleSize: 1 });
      expect(drift.columns.find((c) => c.column === "prediction")).toMatchObject({
        kind: "categorical",
        method: "chi2",
        referenceSize: 5,
        currentSize: 5,
        status: "no-drift",
      });
      if (m.task !== "classification") throw new Error("unreachable");
      expect(m.precision).toBeCloseTo(2 / 3, 12);
      expect(m.recall).toBeCloseTo(2 / 3, 12);
      expect(m.f1).toBeCloseTo(2 / 3, 12);
      // Positives score 0.9, 0.3, 0.7; negatives 0.8, 0.1: 4 of 6 pairs ordered right.
      expect(m.rocAuc).toBeCloseTo(4 / 6, 12);
    });

    it("scores a regressor", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "x", type: "float64" }] },
        windowMs: HOUR,
        prediction: { task: "regression", name: "price" },
      });
      await monitor.log(DEPLOYMENT, [
        { features: { x: 1 }, prediction: 10, requestId: "a" },
        { features: { x: 2 }, prediction: 20, requestId: "b" },
      ]);
      await monitor.logLabels(DEPLOYMENT, [
        { requestId: "a", label: 13 },
        { requestId: "b", label: 16 },
      ]);
      const m = await monitor.performance(await monitor.windowAt(DEPLOYMENT, clock.now()));
      expect(m).toEqual({ task: "regression", count: 2, rmse: Math.sqrt(12.5), mae: 3.5 });
      const profile = await monitor.profile(await monitor.windowAt(DEPLOYMENT, clock.now()));
      expect(profile.columns.price).toMatchObject({ valid: 2, mean: 15 });
    });

    it("needs a declared prediction", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "x", type: "float64" }] },
      });
      await expectCode(monitor.performance(await monitor.windowAt(DEPLOYMENT, clock.now())), "FAILED_PRECONDITION");
    });
  });

  describe("Prometheus metrics", () => {
    it("exposes counters and gauges in the text format with Prometheus names", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "x", type: "float64" }] },
        windowMs: HOUR,
      });
      await monitor.setReference(DEPLOYMENT, { rows: Array.from({ length: 50 }, (_, i) => ({ x: i })) });
      await monitor.log(DEPLOYMENT, [
        ...Array.from({ length: 50 }, (_, i) => ({ features: { x: i + 0.5 } })),
        { features: { x: "bad" } },
      ]);
      await monitor.drift(await monitor.windowAt(DEPLOYMENT, clock.now()));
      const text = await monitor.metrics();
      expect(monitor.metricsContentType).toMatch(/^text\/plain/);
      expect(text).toContain("# TYPE mlstack_monitor_rows_logged_total counter");
      expect(text).toContain('mlstack_monitor_rows_logged_total{deployment="churn"} 51');
      expect(text).toContain(
        'mlstack_monitor_invalid_values_total{deployment="churn",column="x",reason="type_error"} 1',
      );
      expect(text).toMatch(/mlstack_monitor_drift_score\{deployment="churn",column="x",method="ks"\} 0\.0\d+/);
      expect(text).toContain('mlstack_monitor_dataset_drifted{deployment="churn"} 0');
      // Every sample line is `name{labels} value` with a snake_case name.
      for (const line of text.split("\n").filter((l) => l && !l.startsWith("#"))) {
        expect(line).toMatch(/^mlstack_monitor_[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
      }
    });
  });
}
