import { isMlstackError, type MlstackError } from "@mlstack/core";
import type { FeatureStore } from "@mlstack/features";
import { CONFORMANCE_DEFINITIONS } from "@mlstack/features/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresFeatureStore, quoteIdent } from "../../src/index.js";
import { POSTGRES_URL, postgresAvailable, testPool, uniqueSchema } from "../postgres-env.js";

const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    driver_id: from + i,
    event_timestamp: 1000 + i,
    conv_rate: (i % 100) / 100,
    trips: i,
  }));

describe.skipIf(!postgresAvailable)("postgres feature store: the server drops the adapter's connections", () => {
  const server = testPool(2);
  afterAll(() => server.cleanup());

  // A store whose connections carry a name of their own, so the test can find and terminate them.
  const open = async () => {
    const app = uniqueSchema("app");
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("application_name", app);
    const schema = server.schema();
    const store = await createPostgresFeatureStore({ connectionString: url.toString(), schema, maxConnections: 2 });
    return { app, schema, store };
  };
  const count = async (schema: string) =>
    Number(
      (await server.pool.query(`SELECT count(*) AS n FROM ${quoteIdent(schema)}.features_offline`)).rows[0]?.n ?? -1,
    );
  // Polls until a backend of `app` runs a statement matching `pattern`, then terminates all of them.
  const terminateWhen = async (app: string, pattern: string, deadline: number) => {
    while (Date.now() < deadline) {
      const hit = await server.pool.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE $2",
        [app, pattern],
      );
      if (hit.rowCount) {
        const killed = await server.pool.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
          [app],
        );
        return killed.rowCount ?? 0;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    return 0;
  };
  const historical = (store: FeatureStore, ids: number[]) =>
    store.getHistoricalFeatures({
      entityRows: ids.map((driver_id) => ({ driver_id, event_timestamp: 1_000_000 })),
      features: ["driver_stats:trips"],
    });

  it("an append cut off mid-transaction fails UNAVAILABLE (retryable), writes nothing, and the store works again", async () => {
    const { app, schema, store } = await open();
    try {
      await store.apply(CONFORMANCE_DEFINITIONS);
      await store.ingest("driver_stats", rows(0, 100));
      const ingest = store.ingest("driver_stats", rows(1000, 200_000));
      const killed = terminateWhen(app, "%features_offline%", Date.now() + 20_000);
      const outcome = await ingest.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(await killed).toBeGreaterThan(0);
      expect(isMlstackError(outcome, "UNAVAILABLE"), String(outcome)).toBe(true);
      expect((outcome as MlstackError).retryable).toBe(true);
      // Nothing of the cut-off batch is visible, to SQL or to the store.
      expect(await count(schema)).toBe(100);
      const before = await historical(store, [5, 1005]);
      expect(before.rows.map((r) => r.trips ?? null)).toEqual([5, null]);
      // The same call again succeeds on fresh connections.
      await store.ingest("driver_stats", rows(1000, 5000));
      expect(await count(schema)).toBe(5100);
      const after = await historical(store, [5, 1005]);
      expect(after.rows.map((r) => r.trips ?? null)).toEqual([5, 5]);
    } finally {
      await store.stop();
    }
  });

  it("an online write cut off mid-transaction changes no online value", async () => {
    const { app, store } = await open();
    try {
      await store.apply(CONFORMANCE_DEFINITIONS);
      await store.push("driver_stats", rows(0, 10), { to: "online" });
      const newer = rows(0, 150_000).map((r) => ({ ...r, event_timestamp: r.event_timestamp + 10_000, trips: -1 }));
      const push = store.push("driver_stats", newer, { to: "online" });
      const killed = terminateWhen(app, "%features_online%", Date.now() + 20_000);
      const outcome = await push.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(await killed).toBeGreaterThan(0);
      expect(isMlstackError(outcome, "UNAVAILABLE"), String(outcome)).toBe(true);
      expect((outcome as MlstackError).retryable).toBe(true);
      const online = await store.getOnlineFeatures({
        entityRows: [{ driver_id: 3 }, { driver_id: 50_000 }],
        features: ["driver_stats:trips"],
      });
      expect(online.rows?.map((r) => r.values.trips ?? null)).toEqual([3, null]);
    } finally {
      await store.stop();
    }
  });

  it("an unreachable server is UNAVAILABLE and retryable", async () => {
    const url = new URL(POSTGRES_URL);
    url.port = "1";
    const outcome = await createPostgresFeatureStore({ connectionString: url.toString(), schema: uniqueSchema() }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isMlstackError(outcome, "UNAVAILABLE"), String(outcome)).toBe(true);
    expect((outcome as MlstackError).retryable).toBe(true);
  });
});
