import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMlstackError, type MlstackError } from "@mlstack/core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresDataEngine, quoteIdent } from "../../src/index.js";
import { POSTGRES_URL, postgresAvailable, testPool, uniqueSchema } from "../postgres-env.js";

describe.skipIf(!postgresAvailable)("postgres data engine: the server drops the adapter's connection", () => {
  const server = testPool(2);
  const root = mkdtempSync(join(tmpdir(), "mlstack-pg-data-fault-"));
  afterAll(async () => {
    await server.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it("a commit cut off while moving the branch fails UNAVAILABLE, leaves the old head, and a retry commits", async () => {
    const app = uniqueSchema("app");
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("application_name", app);
    const schema = server.schema();
    const engine = await createPostgresDataEngine({
      connectionString: url.toString(),
      schema,
      objectsRoot: root,
      maxConnections: 1,
    });
    // Another session holds the branch's row, so the adapter's compare-and-swap waits on it: that is
    // the moment its connection is terminated.
    const holder = new pg.Client({ connectionString: POSTGRES_URL });
    holder.on("error", () => {});
    await holder.connect();
    try {
      await engine.createRepo("r");
      const first = await engine.commit(
        "r",
        "main",
        async (tx) => {
          await tx.put("a.txt", "one");
        },
        { message: "one" },
      );
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM ${quoteIdent(schema)}.data_refs WHERE name = 'heads/r/main' FOR UPDATE`);
      const outcome = engine
        .commit("r", "main", (tx) => tx.put("b.txt", "two").then(() => {}), { message: "two" })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      let killed = 0;
      for (let i = 0; i < 2000 && killed === 0; i++) {
        const hit = await server.pool.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [app],
        );
        killed = hit.rowCount ?? 0;
        if (killed === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await holder.query("ROLLBACK");
      const error = await outcome;
      expect(killed).toBe(1);
      expect(isMlstackError(error, "UNAVAILABLE"), String(error)).toBe(true);
      expect((error as MlstackError).retryable).toBe(true);
      expect((await engine.getCommit("r", "main")).id).toBe(first.id);
      const again = await engine.commit("r", "main", (tx) => tx.put("b.txt", "two").then(() => {}), {
        message: "two, again",
      });
      expect(again.parents).toEqual([first.id]);
      expect((await engine.fsck()).ok).toBe(true);
    } finally {
      await holder.end();
      await engine.stop();
    }
  });
});
