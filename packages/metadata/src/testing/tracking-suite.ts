import { describe, expect, it } from "vitest";
import type { MetadataStore, Run } from "../spec.js";
import type { Fixture } from "./harness.js";
import { expectCode, T0 } from "./harness.js";

async function newRun(store: MetadataStore, experimentName = "exp"): Promise<Run> {
  const e = await store.createExperiment({ name: experimentName });
  return store.createRun({ experimentId: e.experimentId, name: "run" });
}

/** Experiments, runs, logging rules and metric history. */
export function trackingSuite(setup: () => Promise<Fixture>): void {
  describe("brick contract", () => {
    it("declares kind, version and a frozen capability manifest", async () => {
      const { store } = await setup();
      expect(store.kind).toBe("metadata");
      expect(store.specificationVersion).toBe("v1");
      expect(Object.isFrozen(store.capabilities)).toBe(true);
      expect(typeof store.capabilities.search).toBe("boolean");
      expect((await store.health?.())?.status).toBe("ok");
    });

    it("refuses calls after stop, which is idempotent", async () => {
      const { store } = await setup();
      await store.stop?.();
      await store.stop?.();
      await expectCode(store.createExperiment({ name: "x" }), "FAILED_PRECONDITION");
    });
  });

  describe("experiments", () => {
    it("creates, gets by id and name, renames, deletes and restores", async () => {
      const { store, clock } = await setup();
      const e = await store.createExperiment({ name: "churn", tags: { team: "ml" } });
      expect(e).toMatchObject({ name: "churn", lifecycle: "active", tags: { team: "ml" }, createdAt: T0 });
      expect(await store.getExperiment(e.experimentId)).toEqual(e);
      expect(await store.getExperimentByName("churn")).toEqual(e);
      clock.advance(5);
      const renamed = await store.renameExperiment(e.experimentId, "churn-v2");
      expect(renamed).toMatchObject({ name: "churn-v2", updatedAt: T0 + 5 });
      await expectCode(store.getExperimentByName("churn"), "NOT_FOUND");
      expect((await store.deleteExperiment(e.experimentId)).lifecycle).toBe("deleted");
      expect((await store.restoreExperiment(e.experimentId)).lifecycle).toBe("active");
      await store.setExperimentTag(e.experimentId, "owner", "ada");
      expect((await store.getExperiment(e.experimentId)).tags).toEqual({ team: "ml", owner: "ada" });
    });

    it("keeps names unique among active and deleted experiments", async () => {
      const { store } = await setup();
      const a = await store.createExperiment({ name: "a" });
      await store.createExperiment({ name: "b" });
      await store.deleteExperiment(a.experimentId);
      await expectCode(store.createExperiment({ name: "a" }), "ALREADY_EXISTS");
      await expectCode(store.renameExperiment(a.experimentId, "b"), "ALREADY_EXISTS");
      await expectCode(store.getExperiment("missing"), "NOT_FOUND");
    });

    it("searches by lifecycle and name pattern, ordered by name, with paging", async () => {
      const { store } = await setup();
      for (const name of ["beta", "alpha", "gamma", "alphabet"]) await store.createExperiment({ name });
      await store.deleteExperiment((await store.getExperimentByName("gamma")).experimentId);
      const names = (p: { items: readonly { name: string }[] }) => p.items.map((e) => e.name);
      expect(names(await store.searchExperiments())).toEqual(["alpha", "alphabet", "beta"]);
      expect(names(await store.searchExperiments({ lifecycle: "deleted" }))).toEqual(["gamma"]);
      expect(names(await store.searchExperiments({ lifecycle: "all", nameLike: "%a" }))).toEqual([
        "alpha",
        "beta",
        "gamma",
      ]);
      const first = await store.searchExperiments({ pageSize: 2 });
      expect(names(first)).toEqual(["alpha", "alphabet"]);
      const second = await store.searchExperiments({ pageSize: 2, pageToken: first.nextPageToken as string });
      expect(names(second)).toEqual(["beta"]);
      expect(second.nextPageToken).toBeUndefined();
    });
  });

  describe("runs", () => {
    it("creates a run with defaults and ends it once", async () => {
      const { store, clock } = await setup();
      const e = await store.createExperiment({ name: "exp" });
      const run = await store.createRun({ experimentId: e.experimentId, tags: { k: "v" } });
      expect(run).toMatchObject({
        experimentId: e.experimentId,
        name: run.runId,
        status: "RUNNING",
        lifecycle: "active",
        startTime: T0,
        endTime: null,
        parentRunId: null,
        tags: { k: "v" },
        params: {},
        metrics: {},
      });
      clock.advance(1000);
      const ended = await store.endRun(run.runId, "FINISHED");
      expect(ended).toMatchObject({ status: "FINISHED", endTime: T0 + 1000 });
      expect(await store.getRun(run.runId)).toEqual(ended);
      await expectCode(store.endRun(run.runId, "FAILED"), "FAILED_PRECONDITION");
    });

    it("moves a scheduled run to running, nests runs, and checks references", async () => {
      const { store } = await setup();
      const e = await store.createExperiment({ name: "exp" });
      const parent = await store.createRun({ experimentId: e.experimentId, status: "SCHEDULED", startTime: 5 });
      expect(parent.startTime).toBe(5);
      expect((await store.updateRun(parent.runId, { status: "RUNNING", name: "p" })).status).toBe("RUNNING");
      const child = await store.createRun({ experimentId: e.experimentId, parentRunId: parent.runId });
      expect(child.parentRunId).toBe(parent.runId);
      await expectCode(store.createRun({ experimentId: e.experimentId, parentRunId: "nope" }), "NOT_FOUND");
      await expectCode(store.createRun({ experimentId: "nope" }), "NOT_FOUND");
      await expectCode(store.getRun("nope"), "NOT_FOUND");
      await store.deleteExperiment(e.experimentId);
      await expectCode(store.createRun({ experimentId: e.experimentId }), "FAILED_PRECONDITION");
    });

    it("keeps lifecycle apart from status; a deleted run refuses writes until restored", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      await store.endRun(run.runId, "FINISHED");
      const deleted = await store.deleteRun(run.runId);
      expect(deleted).toMatchObject({ lifecycle: "deleted", status: "FINISHED" });
      await expectCode(store.logMetric(run.runId, "m", 1), "FAILED_PRECONDITION");
      await expectCode(store.logParam(run.runId, "p", "1"), "FAILED_PRECONDITION");
      await expectCode(store.setTag(run.runId, "t", "1"), "FAILED_PRECONDITION");
      await expectCode(store.deleteTag(run.runId, "t"), "FAILED_PRECONDITION");
      await expectCode(store.logBatch(run.runId, { metrics: [{ key: "m", value: 1 }] }), "FAILED_PRECONDITION");
      expect((await store.restoreRun(run.runId)).lifecycle).toBe("active");
      await store.logMetric(run.runId, "m", 1);
      expect((await store.getRun(run.runId)).metrics.m?.value).toBe(1);
    });

    it("allows metrics on a finished run", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      await store.endRun(run.runId, "FINISHED");
      await store.logMetric(run.runId, "late_eval", 0.5);
      expect((await store.getRun(run.runId)).metrics.late_eval?.value).toBe(0.5);
    });

    it("emits runCreated and runEnded", async () => {
      const { store } = await setup();
      const seen: string[] = [];
      store.on("runCreated", (r) => seen.push(`created:${r.name}`));
      store.on("runEnded", (r) => seen.push(`ended:${r.status}`));
      const run = await newRun(store);
      await store.endRun(run.runId, "KILLED");
      expect(seen).toEqual(["created:run", "ended:KILLED"]);
    });
  });

  describe("params", () => {
    it("are immutable: the same value again is fine, another is CONFLICT with both values", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      await store.logParam(run.runId, "lr", "0.1");
      await store.logParam(run.runId, "lr", "0.1");
      const error = await expectCode(store.logParam(run.runId, "lr", "0.2"), "CONFLICT");
      expect(error.details).toMatchObject({ key: "lr", oldValue: "0.1", newValue: "0.2" });
      expect((await store.getRun(run.runId)).params).toEqual({ lr: "0.1" });
    });

    it("refuse the same key twice in one batch", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const batch = {
        params: [
          { key: "a", value: "1" },
          { key: "a", value: "1" },
        ],
      };
      await expectCode(store.logBatch(run.runId, batch), "INVALID_ARGUMENT");
      expect((await store.getRun(run.runId)).params).toEqual({});
    });
  });

  describe("tags", () => {
    it("overwrite, the last value in a batch winning, and can be deleted", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      await store.setTag(run.runId, "stage", "dev");
      await store.setTag(run.runId, "stage", "prod");
      await store.logBatch(run.runId, {
        tags: [
          { key: "x", value: "1" },
          { key: "x", value: "2" },
        ],
      });
      expect((await store.getRun(run.runId)).tags).toEqual({ stage: "prod", x: "2" });
      await store.deleteTag(run.runId, "stage");
      await store.deleteTag(run.runId, "never-set");
      expect((await store.getRun(run.runId)).tags).toEqual({ x: "2" });
    });
  });

  describe("metrics", () => {
    it("append points with step 0 and the clock's time by default", async () => {
      const { store, clock } = await setup();
      const run = await newRun(store);
      await store.logMetric(run.runId, "loss", 1);
      clock.advance(10);
      await store.logMetric(run.runId, "loss", 0.5, { step: 3, timestamp: 42 });
      expect(await store.getMetricHistory(run.runId, "loss")).toEqual([
        { key: "loss", value: 1, timestamp: T0, step: 0 },
        { key: "loss", value: 0.5, timestamp: 42, step: 3 },
      ]);
    });

    it("round-trip NaN and ±Infinity exactly", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1.5e-300, Number.MAX_VALUE];
      await store.logBatch(run.runId, {
        metrics: values.map((value, step) => ({ key: "v", value, step, timestamp: 1 })),
      });
      const history = await store.getMetricHistory(run.runId, "v");
      expect(history.map((p) => p.value)).toEqual(values);
      await store.logMetric(run.runId, "nan", Number.NaN);
      await store.logMetric(run.runId, "inf", Number.NEGATIVE_INFINITY);
      const metrics = (await store.getRun(run.runId)).metrics;
      expect(metrics.nan?.value).toBeNaN();
      expect(metrics.inf?.value).toBe(Number.NEGATIVE_INFINITY);
      expect(metrics.v?.value).toBe(Number.MAX_VALUE);
    });

    it("take as latest the greatest step, then timestamp, then value", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const latest = async () => (await store.getRun(run.runId)).metrics.m;
      await store.logMetric(run.runId, "m", 5, { step: 2, timestamp: 10 });
      await store.logMetric(run.runId, "m", 9, { step: 1, timestamp: 99 });
      expect(await latest()).toEqual({ key: "m", value: 5, step: 2, timestamp: 10 });
      await store.logMetric(run.runId, "m", 3, { step: 2, timestamp: 11 });
      expect((await latest())?.value).toBe(3);
      await store.logMetric(run.runId, "m", 4, { step: 2, timestamp: 11 });
      await store.logMetric(run.runId, "m", 2, { step: 2, timestamp: 11 });
      expect((await latest())?.value).toBe(4);
    });

    it("store an exact duplicate point once", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const point = { key: "m", value: 1, step: 1, timestamp: 5 };
      const nan = { key: "m", value: Number.NaN, step: 2, timestamp: 5 };
      await store.logBatch(run.runId, { metrics: [point, point, nan, nan] });
      await store.logBatch(run.runId, { metrics: [point, nan, { ...point, value: 2 }] });
      const history = await store.getMetricHistory(run.runId, "m");
      expect(history.map((p) => p.value)).toEqual([1, 2, Number.NaN]);
    });

    it("give history in a step range, ordered by step then timestamp", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      await store.logBatch(run.runId, {
        metrics: [5, 1, 3, 2, 4].map((step) => ({ key: "m", value: step * 10, step, timestamp: 100 - step })),
      });
      await store.logMetric(run.runId, "m", 21, { step: 2, timestamp: 0 });
      const history = await store.getMetricHistory(run.runId, "m", { stepRange: { min: 2, max: 4 } });
      expect(history.map((p) => [p.step, p.value])).toEqual([
        [2, 21],
        [2, 20],
        [3, 30],
        [4, 40],
      ]);
      await expectCode(store.getMetricHistory("nope", "m"), "NOT_FOUND");
    });

    it("down-sample with maxPoints, keeping each bucket's min and max", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const values = Array.from({ length: 100 }, (_, i) => (i === 37 ? 1000 : i === 71 ? -1000 : i % 7));
      await store.logBatch(run.runId, {
        metrics: values.map((value, step) => ({ key: "m", value, step, timestamp: 1 })),
      });
      const sampled = await store.getMetricHistory(run.runId, "m", { maxPoints: 10 });
      expect(sampled.length).toBeLessThanOrEqual(10);
      const kept = sampled.map((p) => p.value);
      expect(kept).toContain(1000);
      expect(kept).toContain(-1000);
      expect(sampled.map((p) => p.step)).toEqual([...sampled.map((p) => p.step)].sort((a, b) => a - b));
      await expectCode(store.getMetricHistory(run.runId, "m", { maxPoints: 1 }), "INVALID_ARGUMENT");
    });
  });

  describe("validation", () => {
    const badKeys = ["", "/lead", "a/../b", "..", "semi;colon", "tab\t", "x".repeat(251), "é"];

    it.each(badKeys)("refuses the key %j with INVALID_ARGUMENT and writes nothing", async (key) => {
      const { store } = await setup();
      const run = await newRun(store);
      await expectCode(store.logBatch(run.runId, { metrics: [{ key, value: 1 }] }), "INVALID_ARGUMENT");
      await expectCode(store.logParam(run.runId, key, "v"), "INVALID_ARGUMENT");
      await expectCode(store.setTag(run.runId, key, "v"), "INVALID_ARGUMENT");
      const after = await store.getRun(run.runId);
      expect([after.metrics, after.params, after.tags]).toEqual([{}, {}, {}]);
    });

    it("accepts keys at the limits and values at full length, never truncating", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const key = `a.b-c d/e:f_${"k".repeat(238)}`;
      expect(key.length).toBe(250);
      await store.logParam(run.runId, key, "p".repeat(6000));
      await store.setTag(run.runId, key, "t".repeat(8000));
      const after = await store.getRun(run.runId);
      expect(after.params[key]).toHaveLength(6000);
      expect(after.tags[key]).toHaveLength(8000);
      await expectCode(store.logParam(run.runId, "long", "p".repeat(6001)), "INVALID_ARGUMENT");
      await expectCode(store.setTag(run.runId, "long", "t".repeat(8001)), "INVALID_ARGUMENT");
    });

    it("limits a batch to 1000 metrics, 100 params and 100 tags", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: "m", value: i, step: i }));
      const kv = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "v" }));
      await expectCode(store.logBatch(run.runId, { metrics: metrics(1001) }), "INVALID_ARGUMENT");
      await expectCode(store.logBatch(run.runId, { params: kv(101) }), "INVALID_ARGUMENT");
      await expectCode(store.logBatch(run.runId, { tags: kv(101) }), "INVALID_ARGUMENT");
      await store.logBatch(run.runId, { metrics: metrics(1000), params: kv(100), tags: kv(100) });
      expect(await store.getMetricHistory(run.runId, "m")).toHaveLength(1000);
    });

    it("writes nothing of a batch with one invalid item", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const batch = {
        metrics: [{ key: "ok", value: 1 }],
        params: [{ key: "p", value: "1" }],
        tags: [
          { key: "t", value: "1" },
          { key: "bad/../key", value: "1" },
        ],
      };
      await expectCode(store.logBatch(run.runId, batch), "INVALID_ARGUMENT");
      const after = await store.getRun(run.runId);
      expect([after.metrics, after.params, after.tags]).toEqual([{}, {}, {}]);
    });

    it("writes nothing of a batch whose param conflicts", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      await store.logParam(run.runId, "p", "1");
      const batch = {
        metrics: [{ key: "m", value: 1 }],
        params: [
          { key: "q", value: "new" },
          { key: "p", value: "2" },
        ],
        tags: [{ key: "t", value: "1" }],
      };
      await expectCode(store.logBatch(run.runId, batch), "CONFLICT");
      const after = await store.getRun(run.runId);
      expect([after.metrics, after.params, after.tags]).toEqual([{}, { p: "1" }, {}]);
      expect(await store.getMetricHistory(run.runId, "m")).toEqual([]);
    });

    it("refuses malformed input of every kind with INVALID_ARGUMENT", async () => {
      const { store } = await setup();
      const run = await newRun(store);
      const calls: Array<() => Promise<unknown>> = [
        () => store.createExperiment({ name: "" }),
        () => store.createRun({ experimentId: run.experimentId, startTime: 1.5 }),
        () => store.logMetric(run.runId, "m", "1" as unknown as number),
        () => store.logMetric(run.runId, "m", 1, { step: 0.5 }),
        () => store.logParam(run.runId, "p", 1 as unknown as string),
        () => store.endRun(run.runId, "DONE" as "FINISHED"),
        () => store.logBatch(run.runId, null as unknown as object),
      ];
      for (const call of calls) await expectCode(call(), "INVALID_ARGUMENT");
      const after = await store.getRun(run.runId);
      expect(after).toEqual(run);
    });
  });
}
