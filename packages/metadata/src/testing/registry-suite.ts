import type { ArtifactRef } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import type { AliasMove, MetadataStore } from "../spec.js";
import type { Fixture } from "./harness.js";
import { expectCode, T0 } from "./harness.js";

const source = (n: number): ArtifactRef => ({
  kind: "artifact",
  uri: `mem://model-${n}`,
  digest: `sha256:${n.toString(16).padStart(64, "0")}`,
  size: n,
});

async function modelWithVersions(store: MetadataStore, count: number): Promise<void> {
  await store.createRegisteredModel("churn", { description: "churn model", tags: { team: "ml" } });
  for (let i = 1; i <= count; i++) await store.createModelVersion("churn", { source: source(i) });
}

/** Registered models, versions, aliases and their history. */
export function registrySuite(setup: () => Promise<Fixture>): void {
  describe("model registry", () => {
    it("numbers versions from 1 and never reuses a deleted one", async () => {
      const { store, clock } = await setup();
      await modelWithVersions(store, 3);
      clock.advance(10);
      const tombstone = await store.deleteModelVersion("churn", "3");
      expect(tombstone).toMatchObject({ version: "3", deletedAt: T0 + 10 });
      expect(await store.getModelVersion("churn", "3")).toEqual(tombstone);
      const next = await store.createModelVersion("churn", { source: source(4) });
      expect(next.version).toBe("4");
      expect((await store.searchModelVersions({ model: "churn" })).map((v) => v.version)).toEqual(["1", "2", "4"]);
      expect((await store.searchModelVersions({ includeDeleted: true })).map((v) => v.version)).toEqual([
        "1",
        "2",
        "3",
        "4",
      ]);
      expect((await store.getRegisteredModel("churn")).lastVersion).toBe(4);
    });

    it("keeps the version's source, run, signature and tags", async () => {
      const { store } = await setup();
      const e = await store.createExperiment({ name: "exp" });
      const run = await store.createRun({ experimentId: e.experimentId });
      await store.createRegisteredModel("m");
      const signature = {
        inputs: { fields: [{ name: "x", type: "float64" as const }] },
        outputs: { fields: [{ name: "probability", type: "float64" as const }] },
      };
      const v = await store.createModelVersion("m", {
        source: source(1),
        runId: run.runId,
        signature,
        tags: { a: "b" },
      });
      expect(v).toMatchObject({
        model: "m",
        version: "1",
        source: source(1),
        runId: run.runId,
        signature,
        tags: { a: "b" },
      });
      expect(await store.getModelVersion("m", "1")).toEqual(v);
      expect((await store.searchModelVersions({ runId: run.runId })).map((x) => x.version)).toEqual(["1"]);
    });

    it("refuses duplicates, unknown models, unknown runs and bad versions", async () => {
      const { store } = await setup();
      await modelWithVersions(store, 1);
      await expectCode(store.createRegisteredModel("churn"), "ALREADY_EXISTS");
      await expectCode(store.createModelVersion("nope", { source: source(1) }), "NOT_FOUND");
      await expectCode(store.createModelVersion("churn", { source: source(1), runId: "nope" }), "NOT_FOUND");
      await expectCode(store.getModelVersion("churn", "9"), "NOT_FOUND");
      await expectCode(store.getModelVersion("churn", "01"), "INVALID_ARGUMENT");
      await expectCode(
        store.createModelVersion("churn", { source: { ...source(1), digest: "md5:1" } }),
        "INVALID_ARGUMENT",
      );
      expect((await store.getRegisteredModel("churn")).lastVersion).toBe(1);
    });

    it("searches models by name pattern", async () => {
      const { store } = await setup();
      for (const name of ["fraud", "churn-b", "churn-a"]) await store.createRegisteredModel(name);
      expect((await store.searchRegisteredModels({ nameLike: "churn%" })).map((m) => m.name)).toEqual([
        "churn-a",
        "churn-b",
      ]);
      expect((await store.searchRegisteredModels()).map((m) => m.name)).toEqual(["churn-a", "churn-b", "fraud"]);
    });
  });

  describe("aliases", () => {
    it("set, move and delete, recording when, from, to and by whom", async () => {
      const { store, clock } = await setup();
      await modelWithVersions(store, 2);
      const moves: AliasMove[] = [];
      store.on("aliasMoved", (m) => moves.push(m));
      await store.setAlias("churn", "champion", "1", { by: "ada" });
      clock.advance(100);
      await store.setAlias("churn", "champion", "2", { expected: "1", by: "bob" });
      expect((await store.getModelVersionByAlias("churn", "champion")).version).toBe("2");
      expect((await store.getRegisteredModel("churn")).aliases).toEqual({ champion: "2" });
      clock.advance(100);
      await store.deleteAlias("churn", "champion");
      await expectCode(store.getModelVersionByAlias("churn", "champion"), "NOT_FOUND");
      const history = await store.getAliasHistory("churn", "champion");
      expect(history).toEqual([
        { model: "churn", alias: "champion", from: null, to: "1", at: T0, by: "ada" },
        { model: "churn", alias: "champion", from: "1", to: "2", at: T0 + 100, by: "bob" },
        { model: "churn", alias: "champion", from: "2", to: null, at: T0 + 200, by: null },
      ]);
      expect(moves).toEqual(history);
    });

    it("refuse a stale expected version with CONFLICT and change nothing", async () => {
      const { store } = await setup();
      await modelWithVersions(store, 3);
      await store.setAlias("churn", "prod", "1", { expected: null });
      const error = await expectCode(store.setAlias("churn", "prod", "3", { expected: "2" }), "CONFLICT");
      expect(error.details).toMatchObject({ expected: "2", actual: "1" });
      await expectCode(store.setAlias("churn", "prod", "3", { expected: null }), "CONFLICT");
      await expectCode(store.deleteAlias("churn", "prod", { expected: "3" }), "CONFLICT");
      expect((await store.getModelVersionByAlias("churn", "prod")).version).toBe("1");
      expect(await store.getAliasHistory("churn")).toHaveLength(1);
    });

    it.each(["latest", "LATEST", "Latest", "v1", "V12", "bad alias", "bad.alias", "a".repeat(256), ""])(
      "refuse the alias %j",
      async (alias) => {
        const { store } = await setup();
        await modelWithVersions(store, 1);
        await expectCode(store.setAlias("churn", alias, "1"), "INVALID_ARGUMENT");
      },
    );

    it("accept names at the limit, and refuse deleted or missing versions", async () => {
      const { store } = await setup();
      await modelWithVersions(store, 2);
      await store.setAlias("churn", "a".repeat(255), "1");
      await store.setAlias("churn", "v1-candidate", "1");
      await store.deleteModelVersion("churn", "2");
      await expectCode(store.setAlias("churn", "x", "2"), "FAILED_PRECONDITION");
      await expectCode(store.setAlias("churn", "x", "7"), "NOT_FOUND");
      await expectCode(store.deleteAlias("churn", "never"), "NOT_FOUND");
    });

    it("are removed, with history in alias-name order, when their version is deleted", async () => {
      const { store } = await setup();
      await modelWithVersions(store, 2);
      await store.setAlias("churn", "zeta", "1");
      await store.setAlias("churn", "b", "2");
      await store.setAlias("churn", "alpha", "1");
      await store.deleteModelVersion("churn", "1");
      expect((await store.getRegisteredModel("churn")).aliases).toEqual({ b: "2" });
      const removals = (await store.getAliasHistory("churn")).filter((m) => m.to === null);
      expect(removals.map((m) => [m.alias, m.from])).toEqual([
        ["alpha", "1"],
        ["zeta", "1"],
      ]);
    });

    it("emit modelVersionCreated", async () => {
      const { store } = await setup();
      const seen: string[] = [];
      store.on("modelVersionCreated", (v) => seen.push(`${v.model}/${v.version}`));
      await modelWithVersions(store, 2);
      expect(seen).toEqual(["churn/1", "churn/2"]);
    });
  });
}
