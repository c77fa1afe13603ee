import { isMlstackError, ManualClock } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { createMemoryFeatureStore } from "../src/index.js";
import { CONFORMANCE_DEFINITIONS } from "../src/testing/index.js";

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (e) => (isMlstackError(e) ? e.code : String(e)),
  );

describe("memory feature store specifics", () => {
  it("turns a throwing or ill-typed on-demand transform into FAILED_PRECONDITION naming the view", async () => {
    const store = createMemoryFeatureStore({ clock: new ManualClock() });
    await store.apply({
      ...CONFORMANCE_DEFINITIONS,
      onDemandFeatureViews: [
        {
          name: "boom",
          sources: [],
          schema: { fields: [{ name: "x", type: "float64" }] },
          transform: () => {
            throw new Error("no");
          },
        },
        {
          name: "wrong",
          sources: [],
          schema: { fields: [{ name: "y", type: "float64" }] },
          transform: () => ({ y: "text" }),
        },
      ],
    });
    const entityRows = [{ driver_id: 1, event_timestamp: 1 }];
    const boom = await store.getHistoricalFeatures({ entityRows, features: ["boom:x"] }).catch((e) => e);
    expect(isMlstackError(boom, "FAILED_PRECONDITION")).toBe(true);
    expect(boom.message).toContain("boom");
    expect(await codeOf(store.getOnlineFeatures({ entityRows, features: ["wrong:y"] }))).toBe("FAILED_PRECONDITION");
  });

  it("switched-off capabilities throw NOT_SUPPORTED; unknown ones are refused", async () => {
    const store = createMemoryFeatureStore({ capabilities: { materialize: false, skewCheck: false } });
    await store.apply(CONFORMANCE_DEFINITIONS);
    expect(await codeOf(store.materialize({ start: 0, end: 1 }))).toBe("NOT_SUPPORTED");
    expect(await codeOf(store.materializeIncremental({ end: 1 }))).toBe("NOT_SUPPORTED");
    expect(await codeOf(store.checkSkew({ entityRows: [], features: ["driver_stats"] }))).toBe("NOT_SUPPORTED");
    expect(() => createMemoryFeatureStore({ capabilities: { teleport: true } as never })).toThrow(/teleport/);
  });

  it("reports historical progress in rows and drains in-flight calls on stop", async () => {
    const store = createMemoryFeatureStore();
    await store.apply(CONFORMANCE_DEFINITIONS);
    const done: number[] = [];
    store.events.on("progress", (e) => {
      if (e.task === "historical") done.push(e.done);
    });
    const entityRows = Array.from({ length: 10_000 }, (_, i) => ({ driver_id: i, event_timestamp: i }));
    const pending = store.getHistoricalFeatures({ entityRows, features: ["driver_stats:trips"] });
    await store.stop();
    expect((await pending).rows).toHaveLength(10_000);
    expect(done).toEqual([10_000]);
    expect(await codeOf(store.getHistoricalFeatures({ entityRows, features: ["driver_stats:trips"] }))).toBe(
      "FAILED_PRECONDITION",
    );
  });

  it("hashes entity rows by content: key order does not matter, values and NaN-versus-null do", async () => {
    const store = createMemoryFeatureStore();
    await store.apply(CONFORMANCE_DEFINITIONS);
    const ref = async (entityRows: Record<string, unknown>[]) =>
      (await store.getHistoricalFeatures({ entityRows, features: ["driver_stats:trips"] })).ref.contentHash;
    const a = await ref([
      { driver_id: 1, event_timestamp: 5, x: 1 },
      { driver_id: 2, event_timestamp: 5, x: 2 },
    ]);
    expect(
      await ref([
        { event_timestamp: 5, x: 1, driver_id: 1 },
        { x: 2, driver_id: 2, event_timestamp: 5 },
      ]),
    ).toBe(a);
    expect(
      await ref([
        { driver_id: 1, event_timestamp: 5, x: 1 },
        { driver_id: 2, event_timestamp: 5, x: 3 },
      ]),
    ).not.toBe(a);
    const nan = await ref([{ driver_id: 1, event_timestamp: 5, x: Number.NaN }]);
    expect(await ref([{ driver_id: 1, event_timestamp: 5, x: null }])).not.toBe(nan);
  });
});
