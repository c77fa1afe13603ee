import { isMlstackError, type MlstackError } from "@mlstack/core";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresMetadataStore, quoteIdent } from "../../src/index.js";
import { POSTGRES_URL, postgresAvailable, testPool, uniqueSchema } from "../postgres-env.js";

describe.skipIf(!postgresAvailable)("postgres metadata store: the server drops the adapter's connections", () => {
  const server = testPool(2);
  afterAll(() => server.cleanup());

  it("a logBatch cut off mid-transaction fails UNAVAILABLE (retryable), writes nothing, and the store works again", async () => {
    // Connections with a name of their own, so the test can find and terminate exactly them.
    const app = uniqueSchema("app");
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("application_name", app);
    const schema = server.schema();
    const store = await createPostgresMetadataStore({ connectionString: url.toString(), schema, maxConnections: 2 });
    const blocker = await server.pool.connect();
    try {
      const e = await store.createExperiment({ name: "faults" });
      const run = await store.createRun({ experimentId: e.experimentId });
      await store.logBatch(run.runId, { metrics: [{ key: "loss", value: 1, step: 0 }] });
      const batch = {
        params: [{ key: "lr", value: "0.1" }],
        tags: [{ key: "phase", value: "cut" }],
        metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: i, step: i + 1 })),
      };
      // The history insert comes last in logBatch: holding its table makes the batch stop there, with
      // params, tags and latest values already written inside its open transaction.
      await blocker.query("BEGIN");
      await blocker.query(`LOCK TABLE ${quoteIdent(schema)}.md_metrics IN EXCLUSIVE MODE`);
      const logging = store.logBatch(run.runId, batch).then(
        () => undefined,
        (error: unknown) => error,
      );
      let killed = 0;
      for (const deadline = Date.now() + 20_000; killed === 0 && Date.now() < deadline; ) {
        const waiting = await server.pool.query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE '%md_metrics%'",
          [app],
        );
        if (waiting.rowCount) {
          const r = await server.pool.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            [app],
          );
          killed = r.rowCount ?? 0;
        } else await new Promise((r) => setTimeout(r, 5));
      }
      const outcome = await logging;
      await blocker.query("COMMIT");
      expect(killed).toBeGreaterThan(0);
      expect(isMlstackError(outcome, "UNAVAILABLE"), String(outcome)).toBe(true);
      expect((outcome as MlstackError).retryable).toBe(true);

      const after = await store.getRun(run.runId);
      expect(after.params).toEqual({});
      expect(after.tags).toEqual({});
      expect(Object.keys(after.metrics)).toEqual(["loss"]);
      expect(await store.getMetricHistory(run.runId, "m0")).toEqual([]);

      // The same call again succeeds on fresh connections.
      await store.logBatch(run.runId, batch);
      const done = await store.getRun(run.runId);
      expect(done.params).toEqual({ lr: "0.1" });
      expect(done.tags).toEqual({ phase: "cut" });
      expect(done.metrics.m9?.value).toBe(999);
      expect(await store.getMetricHistory(run.runId, "m0")).toHaveLength(100);
    } finally {
      // Destroyed, not pooled: after a failure it may still hold the lock in an open transaction.
      blocker.release(true);
      await store.stop();
    }
  });

  it("an unreachable server is UNAVAILABLE and retryable", async () => {
    const url = new URL(POSTGRES_URL);
    url.port = "1";
    const outcome = await createPostgresMetadataStore({
      connectionString: url.toString(),
      schema: uniqueSchema(),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isMlstackError(outcome, "UNAVAILABLE"), String(outcome)).toBe(true);
    expect((outcome as MlstackError).retryable).toBe(true);
  });
});
