import { createRandom } from "@mlstack/core";
import type { FeatureStore } from "@mlstack/features";
import { CONFORMANCE_DEFINITIONS } from "@mlstack/features/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createPool, createPostgresFeatureStore } from "../../src/index.js";
import { POSTGRES_URL, postgresAvailable, testPool } from "../postgres-env.js";

// Two processes' worth of stores (each its own pool) on one schema, writing at the same time.
describe.skipIf(!postgresAvailable)("postgres feature store: concurrent writers", () => {
  const server = testPool(2);
  const pools = [createPool(POSTGRES_URL, 3), createPool(POSTGRES_URL, 3)];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await server.cleanup();
  });
  const pair = async (): Promise<FeatureStore[]> => {
    const schema = server.schema();
    const stores = await Promise.all(pools.map((pool) => createPostgresFeatureStore({ pool, schema })));
    await stores[0]?.apply(CONFORMANCE_DEFINITIONS);
    return stores;
  };

  it("online: whatever the interleaving, each key keeps the value with the newest event time", async () => {
    const stores = await pair();
    const random = createRandom(7);
    const keys = 200;
    const newest = new Map<number, number>();
    for (let round = 0; round < 4; round++) {
      const writes = stores.map(() =>
        random.shuffle(
          Array.from({ length: keys }, (_, driver_id) => {
            const event_timestamp = random.int(0, 1000);
            newest.set(driver_id, Math.max(newest.get(driver_id) ?? -1, event_timestamp));
            return { driver_id, event_timestamp, conv_rate: 0.5, trips: event_timestamp };
          }),
        ),
      );
      // Each writer pushes its records in small batches, so the two interleave key by key.
      await Promise.all(
        stores.map(async (store, w) => {
          const records = writes[w] ?? [];
          for (let i = 0; i < records.length; i += 20) {
            await store.push("driver_stats", records.slice(i, i + 20), { to: "online" });
          }
        }),
      );
    }
    const read = await stores[1]?.getOnlineFeatures({
      entityRows: Array.from({ length: keys }, (_, driver_id) => ({ driver_id })),
      features: ["driver_stats:trips"],
    });
    expect(read?.rows?.map((r) => r.values.trips)).toEqual(Array.from({ length: keys }, (_, k) => newest.get(k)));
    await Promise.all(stores.map((s) => s.stop()));
  });

  it("offline: concurrent appends all land, and both stores build the same training set", async () => {
    const stores = await pair();
    await Promise.all(
      stores.map(async (store, w) => {
        for (let batch = 0; batch < 5; batch++) {
          const rows = Array.from({ length: 500 }, (_, i) => ({
            driver_id: i,
            event_timestamp: 1 + w * 5 + batch,
            conv_rate: null,
            trips: w * 1000 + batch,
          }));
          await store.ingest("driver_stats", rows);
        }
      }),
    );
    const request = {
      entityRows: Array.from({ length: 500 }, (_, driver_id) => ({ driver_id, event_timestamp: 100 })),
      features: ["driver_stats:trips"],
    };
    const [a, b] = await Promise.all(stores.map((s) => s.getHistoricalFeatures(request)));
    // The newest event time (writer 1, batch 4) wins for every driver.
    expect(a?.rows.map((r) => r.trips)).toEqual(Array.from({ length: 500 }, () => 1004));
    expect(b?.rows).toEqual(a?.rows);
    expect(b?.ref).toEqual(a?.ref);
    await Promise.all(stores.map((s) => s.stop()));
  });
});
