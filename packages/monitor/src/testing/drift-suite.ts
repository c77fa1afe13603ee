import { describe, expect, it } from "vitest";
import type { Monitor } from "../spec.js";
import type { Fixture } from "./harness.js";
import { DEPLOYMENT, expectCode, HOUR } from "./harness.js";

const schema = {
  fields: [
    { name: "a", type: "float64" as const },
    { name: "b", type: "float64" as const },
    { name: "c", type: "float64" as const },
    { name: "plan", type: "string" as const },
  ],
};

// A deterministic spread of values in [0, 1).
const spread = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => ((i * 0.618034) % 1) + shift);

async function prepared(setup: () => Promise<Fixture>, currentShift: number, n = 300) {
  const fixture = await setup();
  const { monitor, clock } = fixture;
  await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
  const ref = spread(n);
  await monitor.setReference(DEPLOYMENT, {
    rows: ref.map((x, i) => ({ a: x, b: x, c: x, plan: i % 3 ? "free" : "pro" })),
    trainingSet: { kind: "training-set", id: "ts-1", contentHash: "abc" },
  });
  const cur = spread(n, currentShift);
  await logRows(
    monitor,
    cur.map((x, i) => ({ a: x, b: spread(n)[i], c: spread(n)[i], plan: i % 3 ? "free" : "pro" })),
  );
  return { ...fixture, window: await monitor.windowAt(DEPLOYMENT, clock.now()) };
}

async function logRows(monitor: Monitor, rows: Record<string, unknown>[]) {
  await monitor.log(
    DEPLOYMENT,
    rows.map((features) => ({ features })),
  );
}

/** References, the default methods, the multiple-testing correction, minimum samples, profile drift. */
export function driftSuite(setup: () => Promise<Fixture>): void {
  describe("drift", () => {
    it("records the training set of a reference as lineage and needs a reference", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      const window = await monitor.windowAt(DEPLOYMENT, clock.now());
      await expectCode(monitor.drift(window), "FAILED_PRECONDITION");
      await expectCode(monitor.getReference(DEPLOYMENT), "FAILED_PRECONDITION");
      await expectCode(monitor.setReference(DEPLOYMENT, { rows: [] }), "INVALID_ARGUMENT");
      const info = await monitor.setReference(DEPLOYMENT, {
        rows: [{ a: 1, b: 2, c: 3, plan: "free" }],
        trainingSet: { kind: "training-set", id: "ts-1", contentHash: "abc" },
      });
      expect(info).toEqual({
        deployment: "churn",
        rows: 1,
        hasRawData: true,
        lineage: [{ kind: "training-set", id: "ts-1", contentHash: "abc" }],
        setAt: clock.now(),
      });
      expect(await monitor.getReference(DEPLOYMENT)).toEqual(info);
    });

    it("uses KS and chi-square for small references and finds the shifted column (Bonferroni)", async () => {
      const { monitor, window } = await prepared(setup, 0.3);
      const result = await monitor.drift(window);
      expect(result.source).toBe("raw");
      expect(result.window).toEqual(window);
      expect(result.reference.lineage).toEqual([{ kind: "training-set", id: "ts-1", contentHash: "abc" }]);
      const by = Object.fromEntries(result.columns.map((c) => [c.column, c]));
      expect(by.a).toMatchObject({
        method: "ks",
        status: "drift",
        kind: "numeric",
        referenceSize: 300,
        currentSize: 300,
      });
      expect(by.b).toMatchObject({ method: "ks", status: "no-drift" });
      expect(by.plan).toMatchObject({ method: "chi2", status: "no-drift", kind: "categorical" });
      expect(by.a?.threshold).toBeCloseTo(0.05 / 4, 12);
      expect(result.dataset).toMatchObject({
        status: "drift",
        correction: "bonferroni",
        driftedColumns: ["a"],
        evaluatedColumns: 4,
        share: 0.25,
      });
    });

    it("Benjamini-Hochberg is an option, and every threshold is configurable", async () => {
      const { monitor, window } = await prepared(setup, 0.3);
      const bh = await monitor.drift(window, { correction: "benjamini-hochberg" });
      expect(bh.dataset).toMatchObject({ correction: "benjamini-hochberg", driftedColumns: ["a"] });
      const distances = await monitor.drift(window, {
        methods: { a: "psi", b: "wasserstein", plan: "jensen-shannon" },
        thresholds: { psi: 100 },
      });
      const by = Object.fromEntries(distances.columns.map((c) => [c.column, c]));
      expect(by.a).toMatchObject({ method: "psi", threshold: 100, status: "no-drift" });
      expect(by.a?.pValue).toBeUndefined();
      expect(by.b).toMatchObject({ method: "wasserstein", threshold: 0.1 });
      await expectCode(monitor.drift(window, { methods: { plan: "ks" } }), "INVALID_ARGUMENT");
      await expectCode(monitor.drift(window, { thresholds: { pValue: 2 } }), "INVALID_ARGUMENT");
      await expectCode(monitor.drift(window, { columns: ["nope"] }), "INVALID_ARGUMENT");
    });

    it("switches to distances for large references", async () => {
      const { monitor, window } = await prepared(setup, 0.3);
      const result = await monitor.drift(window, { largeReference: 100 });
      const by = Object.fromEntries(result.columns.map((c) => [c.column, c]));
      expect(by.a).toMatchObject({ method: "wasserstein", status: "drift" });
      expect(by.plan).toMatchObject({ method: "jensen-shannon", status: "no-drift" });
    });

    it("answers insufficient-data below the minimum sample size instead of a verdict", async () => {
      const { monitor, window } = await prepared(setup, 0.3, 20);
      const result = await monitor.drift(window);
      expect(result.columns.every((c) => c.status === "insufficient-data")).toBe(true);
      expect(result.dataset).toMatchObject({ status: "insufficient-data", evaluatedColumns: 0, driftedColumns: [] });
      const small = await monitor.drift(window, { minSampleSize: 10 });
      expect(small.dataset.status).not.toBe("insufficient-data");
    });

    it("computes KS and PSI from profiles with the sketch's bounds around the raw values", async () => {
      const { monitor, window } = await prepared(setup, 0.3);
      const raw = await monitor.drift(window, { methods: { a: "ks" } });
      const fromProfiles = await monitor.drift(window, { source: "profile", methods: { a: "ks" } });
      expect(fromProfiles.source).toBe("profile");
      const r = raw.columns.find((c) => c.column === "a")!;
      const p = fromProfiles.columns.find((c) => c.column === "a")!;
      const [lo, hi] = p.bounds?.ksStatistic ?? [Number.NaN, Number.NaN];
      expect(lo).toBeLessThanOrEqual(r.statistics.ksStatistic! + 1e-12);
      expect(hi).toBeGreaterThanOrEqual(r.statistics.ksStatistic! - 1e-12);
      expect(p.status).toBe("drift");
      expect(p.bounds?.psiEdgeRelativeError).toBeGreaterThan(0);
      const psi = await monitor.drift(window, { source: "profile", methods: { a: "psi" } });
      expect(psi.columns.find((c) => c.column === "a")?.statistics.psi).toBeGreaterThan(0.1);
      await expectCode(monitor.drift(window, { source: "profile", methods: { a: "wasserstein" } }), "INVALID_ARGUMENT");
    });

    it("drifts from a profile reference, and raw drift then needs rows", async () => {
      const { monitor, window } = await prepared(setup, 0.3);
      const profile = await monitor.profile(window);
      await monitor.setReference(DEPLOYMENT, { profile });
      await expectCode(monitor.drift(window, { source: "raw" }), "FAILED_PRECONDITION");
      const result = await monitor.drift(window);
      expect(result.source).toBe("profile");
      expect(result.dataset.status).toBe("no-drift");
    });

    it("emits progress and honours an aborted signal", async () => {
      const { monitor, window } = await prepared(setup, 0);
      const seen: number[] = [];
      monitor.events.on("progress", (e) => seen.push(e.done));
      await monitor.drift(window);
      expect(seen).toEqual([1, 2, 3, 4]);
      const controller = new AbortController();
      controller.abort();
      await expectCode(monitor.drift(window, { signal: controller.signal }), "CANCELLED");
    });
  });
}
