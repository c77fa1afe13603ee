import { type ArtifactRef, isMlstackError } from "@mlstack/core";
import type { MetadataStore } from "@mlstack/metadata";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresMetadataStore } from "../../src/index.js";
import { postgresAvailable, testPool } from "../postgres-env.js";

// Two stores on two pools over one schema: two processes, as far as the server can tell.
describe.skipIf(!postgresAvailable)("postgres metadata store: concurrent writers on one schema", () => {
  const a = testPool(4);
  const b = testPool(4);
  afterAll(async () => {
    await b.cleanup();
    await a.cleanup();
  });
  const pair = async (): Promise<[MetadataStore, MetadataStore]> => {
    const schema = a.schema();
    const first = await createPostgresMetadataStore({ pool: a.pool, schema });
    return [first, await createPostgresMetadataStore({ pool: b.pool, schema })];
  };
  const source = (n: number): ArtifactRef => ({
    kind: "artifact",
    uri: `mem://model-${n}`,
    digest: `sha256:${n.toString(16).padStart(64, "0")}`,
    size: n,
  });

  // A burst of 8 writers on one model: each round of serialization failures lets one commit, so the
  // last needs 7 retries, within the storage's 10.
  it("numbers racing model versions 1..n without a gap or a duplicate", async () => {
    const [x, y] = await pair();
    await x.createRegisteredModel("m");
    const made = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? x : y).createModelVersion("m", { source: source(i) })),
    );
    expect(made.map((v) => Number(v.version)).sort((p, q) => p - q)).toEqual(
      Array.from({ length: 8 }, (_, i) => i + 1),
    );
    expect((await x.getRegisteredModel("m")).lastVersion).toBe(8);
  });

  it("lets exactly one of two racing alias moves from the same expected target win", async () => {
    const [x, y] = await pair();
    await x.createRegisteredModel("m");
    await x.createModelVersion("m", { source: source(1) });
    await x.createModelVersion("m", { source: source(2) });
    for (let round = 0; round < 5; round++) {
      const current = (await x.getRegisteredModel("m")).aliases.champion ?? null;
      const outcomes = await Promise.allSettled([
        x.setAlias("m", "champion", "1", { expected: current }),
        y.setAlias("m", "champion", "2", { expected: current }),
      ]);
      const won = outcomes.filter((o) => o.status === "fulfilled" && o.value.from !== o.value.to);
      const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
      // A loser saw the winner's move (CONFLICT), or a move that left it unchanged.
      expect(won.length + lost.length).toBeGreaterThanOrEqual(1);
      expect(won.length).toBeLessThanOrEqual(1);
      for (const e of lost) expect(isMlstackError(e, "CONFLICT"), String(e)).toBe(true);
    }
    const history = await x.getAliasHistory("m", "champion");
    for (let i = 1; i < history.length; i++) expect(history[i]?.from).toBe(history[i - 1]?.to);
  });

  it("keeps a param write-once when two processes race to set it", async () => {
    const [x, y] = await pair();
    const e = await x.createExperiment({ name: "race" });
    const run = await x.createRun({ experimentId: e.experimentId });
    const outcomes = await Promise.allSettled([
      x.logBatch(run.runId, { params: [{ key: "lr", value: "0.1" }] }),
      y.logBatch(run.runId, { params: [{ key: "lr", value: "0.2" }] }),
    ]);
    const rejected = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(rejected).toHaveLength(1);
    expect(isMlstackError(rejected[0], "CONFLICT"), String(rejected[0])).toBe(true);
    const stored = (await y.getRun(run.runId)).params.lr;
    expect(outcomes[stored === "0.1" ? 0 : 1]?.status).toBe("fulfilled");
  });
});
