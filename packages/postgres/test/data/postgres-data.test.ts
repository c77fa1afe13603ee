import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMlstackError } from "@mlstack/core";
import { dataEngineConformance } from "@mlstack/data/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createPool, createPostgresDataEngine, PostgresRefStorage } from "../../src/index.js";
import { POSTGRES_URL, postgresAvailable, testPool } from "../postgres-env.js";

describe.skipIf(!postgresAvailable)("postgres data engine", () => {
  const server = testPool();
  const roots: string[] = [];
  const folder = () => {
    const root = mkdtempSync(join(tmpdir(), "mlstack-pg-data-"));
    roots.push(root);
    return root;
  };
  afterAll(async () => {
    await server.cleanup();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  dataEngineConformance({
    name: "postgres refs + filesystem objects",
    capabilities: { persistent: true },
    propertyRuns: 10,
    create: () => createPostgresDataEngine({ pool: server.pool, schema: server.schema(), objectsRoot: folder() }),
  });

  describe("several machines on one repo", () => {
    // Each "machine" has its own pool and its own object-store instance over the shared folder.
    const machines = async (n: number) => {
      const schema = server.schema();
      const objectsRoot = folder();
      return Promise.all(
        Array.from({ length: n }, () =>
          createPostgresDataEngine({ connectionString: POSTGRES_URL, maxConnections: 2, schema, objectsRoot }),
        ),
      );
    };

    it("two committers from one head: one wins, the other is CONFLICT, every round", async () => {
      const [a, b] = (await machines(2)) as [
        Awaited<ReturnType<typeof createPostgresDataEngine>>,
        Awaited<ReturnType<typeof createPostgresDataEngine>>,
      ];
      try {
        await a.createRepo("r");
        for (let round = 0; round < 8; round++) {
          const head = (await b.getCommit("r", "main")).id;
          const outcomes = await Promise.allSettled(
            [a, b].map((engine, i) =>
              engine.commit(
                "r",
                "main",
                async (tx) => {
                  await tx.put(`round-${round}/from-${i}.txt`, `${round} ${i}`);
                },
                {
                  message: `round ${round} by ${i}`,
                  expectedHead: head,
                },
              ),
            ),
          );
          const won = outcomes.filter((o) => o.status === "fulfilled");
          const lost = outcomes.filter((o) => o.status === "rejected");
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect(isMlstackError((lost[0] as PromiseRejectedResult).reason, "CONFLICT")).toBe(true);
          const winner = (won[0] as PromiseFulfilledResult<{ id: string }>).value;
          for (const engine of [a, b]) {
            const now = await engine.getCommit("r", "main");
            expect(now.id).toBe(winner.id);
            expect(now.parents).toEqual([head]);
          }
          expect(await b.diff("r", head, winner.id)).toHaveLength(1);
        }
        // Each machine reads every object the other wrote.
        expect((await a.fsck()).ok).toBe(true);
        expect((await b.fsck()).ok).toBe(true);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });

    it("compare-and-swap on one ref from many connections swaps exactly once", async () => {
      const schema = server.schema();
      const pools = Array.from({ length: 4 }, () => createPool(POSTGRES_URL, 2));
      const stores = await Promise.all(pools.map((pool) => PostgresRefStorage.open({ pool, schema })));
      try {
        expect(await stores[0]?.cas("heads/r/main", undefined, "c0")).toBe(true);
        for (let round = 1; round <= 5; round++) {
          const swapped = await Promise.all(
            stores.flatMap((s, i) => [s.cas("heads/r/main", `c${round - 1}`, `c${round}-${i}`)]),
          );
          expect(swapped.filter(Boolean)).toHaveLength(1);
          const value = await stores[1]?.get("heads/r/main");
          expect(value).toBe(`c${round}-${swapped.indexOf(true)}`);
          // Move it on to the round's name so the next round starts from a known value.
          expect(await stores[2]?.cas("heads/r/main", value, `c${round}`)).toBe(true);
        }
        // Two creators of one new ref: one succeeds; deleting needs the current value.
        const created = await Promise.all(stores.map((s, i) => s.cas("heads/r/dev", undefined, `d${i}`)));
        expect(created.filter(Boolean)).toHaveLength(1);
        expect(await stores[3]?.cas("heads/r/dev", "nope", undefined)).toBe(false);
        const dev = await stores[3]?.get("heads/r/dev");
        expect(await stores[0]?.cas("heads/r/dev", dev, undefined)).toBe(true);
        expect(await stores[1]?.get("heads/r/dev")).toBeUndefined();
        expect(await stores[2]?.list("heads/r/")).toEqual([{ name: "heads/r/main", value: "c5" }]);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        await Promise.all(pools.map((p) => p.end()));
      }
    });
  });
});
