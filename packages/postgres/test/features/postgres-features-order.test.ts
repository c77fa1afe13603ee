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

  const latest = async (batches: number[]) => {
    const store = await createPostgresFeatureStore({
      pool: server.pool,
      schema: server.schema(),
      clock: new ManualClock(5),
    });
    try {
      await store.apply(CONFORMANCE_DEFINITIONS);
      let trips = 0;
      for (const size of batches) {
        const rows = Array.from({ length: size }, () => ({
          driver_id: 1,
          event_timestamp: 1,
          conv_rate: 0.5,
          trips: trips++,
        }));
        await store.ingest("driver_stats", rows);
      }
      const set = await store.getHistoricalFeatures({
        entityRows: [{ driver_id: 1, event_timestamp: 2 }],
        features: ["driver_stats:trips"],
      });
      return { value: set.rows[0]?.trips, last: trips - 1 };
    } finally {
      await store.stop();
    }
  };

  it("the last of twelve single-row batches wins a tie", async () => {
    const { value, last } = await latest(Array.from({ length: 12 }, () => 1));
    expect(value).toBe(last);
  });

  it("a key whose run spans several scan pages keeps its order", async () => {
    const { value, last } = await latest([30_000, 30_000, 1]);
    expect(value).toBe(last);
  });
});
