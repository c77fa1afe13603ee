import { ManualClock } from "@mlstack/core";
import { CONFORMANCE_DEFINITIONS } from "@mlstack/features/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresFeatureStore } from "../../src/index.js";
import { postgresAvailable, testPool } from "../postgres-env.js";

// Ties on (key, event time, created time) are broken by ingestion order, the last ingested winning:
// ingestion numbers must order as numbers (1, 2, ... 10, 11), across batches and across scan pages.
describe.skipIf(!postgresAvailable)("postgres feature store: ingestion order", () => {
  const server = testPool(2);
  afterAll(() => server.cleanup());

  // Ingests batches of [driver, rows] (all rows at one event time), then retrieves every driver.
  const latest = async (batches: [number, number][]) => {
    const store = await createPostgresFeatureStore({
      pool: server.pool,
      schema: server.schema(),
      clock: new ManualClock(5),
    });
    try {
      await store.apply(CONFORMANCE_DEFINITIONS);
      let trips = 0;
      const last = new Map<number, number>();
      for (const [driver, size] of batches) {
        const rows = Array.from({ length: size }, () => ({
          driver_id: driver,
          event_timestamp: 1,
          conv_rate: 0.5,
          trips: trips++,
        }));
        await store.ingest("driver_stats", rows);
        last.set(driver, trips - 1);
      }
      const drivers = [...last.keys()];
      const set = await store.getHistoricalFeatures({
        entityRows: drivers.map((driver_id) => ({ driver_id, event_timestamp: 2 })),
        features: ["driver_stats:trips"],
      });
      return { got: set.rows.map((r) => r.trips), want: drivers.map((d) => last.get(d)) };
    } finally {
      await store.stop();
    }
  };

  it("the last of twelve single-row batches wins a tie", async () => {
    const { got, want } = await latest(Array.from({ length: 12 }, () => [1, 1]));
    expect(got).toEqual(want);
  });

  it("a key whose run fills more than a scan page keeps its order", async () => {
    const { got, want } = await latest([
      [1, 30_000],
      [1, 30_000],
      [1, 1],
      [2, 3],
    ]);
    expect(got).toEqual(want);
  });

  it("keys cut at a page boundary are read whole in the next page", async () => {
    const { got, want } = await latest([
      [1, 20_000],
      [2, 20_000],
      [3, 20_000],
      [3, 1],
      [4, 2],
    ]);
    expect(got).toEqual(want);
  });
});
