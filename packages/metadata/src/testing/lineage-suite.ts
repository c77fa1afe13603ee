import type { Ref } from "@mlstack/core";
import { refKey } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import type { MetadataStore } from "../spec.js";
import type { Fixture } from "./harness.js";
import { expectCode } from "./harness.js";

const commit: Ref = { kind: "data-commit", repo: "events", commit: "c1" };
const trainingSet: Ref = { kind: "training-set", id: "ts1", contentHash: "h1" };
const digest = `sha256:${"ab".repeat(32)}`;

/** Every kind of core ref, each usable as a lineage artifact. */
const ALL_REFS: Ref[] = [
  commit,
  { kind: "data-file", repo: "events", commit: "c1", path: "a/b.csv", digest },
  { kind: "feature-view", name: "user_stats", definitionHash: "d1" },
  trainingSet,
  { kind: "training-job", jobId: "job-1" },
  { kind: "run", runId: "external-run" },
  { kind: "artifact", uri: "file:///tmp/x", digest, size: 3 },
  { kind: "model-version", model: "m", version: "1" },
  { kind: "deployment", name: "churn", revision: 2 },
  { kind: "monitor-window", deployment: "churn", start: 0, end: 60_000 },
];

async function trainedModel(store: MetadataStore) {
  const e = await store.createExperiment({ name: "exp" });
  const run = await store.createRun({ experimentId: e.experimentId });
  return { e, run };
}

/** The lineage graph: atomic writes, edge rules, and walks in both directions. */
export function lineageSuite(setup: () => Promise<Fixture>): void {
  describe("lineage", () => {
    it("accepts every kind of core ref as an artifact node", async () => {
      const { store } = await setup();
      await store.putLineage({ artifacts: ALL_REFS.map((ref) => ({ ref, properties: { k: 1 } })) });
      for (const ref of ALL_REFS) {
        const graph = await store.lineage(ref, { direction: "both" });
        expect(graph.artifacts.map((a) => a.key)).toEqual([refKey(ref)]);
        expect(graph.artifacts[0]?.ref).toEqual(ref);
        expect(graph.artifacts[0]?.properties).toEqual({ k: 1 });
      }
    });

    it("walks upstream from a model version to the data commit its run declared", async () => {
      const { store } = await setup();
      const { e, run } = await trainedModel(store);
      await store.putLineage({
        artifacts: [{ ref: commit }, { ref: trainingSet }],
        executions: [{ id: "featurize", type: "pipeline" }],
        events: [
          { artifact: commit, execution: "featurize", type: "input" },
          { artifact: trainingSet, execution: "featurize", type: "output" },
        ],
      });
      await store.logInputs(run.runId, [trainingSet]);
      await store.createRegisteredModel("churn");
      const v = await store.createModelVersion("churn", {
        source: { kind: "artifact", uri: "mem://m", digest, size: 1 },
        runId: run.runId,
      });
      const mv: Ref = { kind: "model-version", model: v.model, version: v.version };
      const up = await store.lineage(mv, { direction: "upstream" });
      expect(up.artifacts.map((a) => a.key).sort()).toEqual([refKey(commit), refKey(mv), refKey(trainingSet)].sort());
      expect(up.executions.map((x) => x.type).sort()).toEqual(["pipeline", "run"]);
      expect(up.events).toHaveLength(4);
      expect(up.contexts.map((c) => c.name)).toEqual([e.name]);
      expect(up.associations).toHaveLength(1);

      const twoHops = await store.lineage(mv, { direction: "upstream", maxHops: 2 });
      expect(twoHops.artifacts.map((a) => a.key).sort()).toEqual([refKey(mv), refKey(trainingSet)].sort());
      const down = await store.lineage(commit, { direction: "downstream" });
      expect(down.artifacts.map((a) => a.key)).toContain(refKey(mv));
      const fromRun = await store.lineage({ kind: "run", runId: run.runId }, { direction: "both", maxHops: 1 });
      expect(fromRun.artifacts.map((a) => a.key).sort()).toEqual([refKey(mv), refKey(trainingSet)].sort());
    });

    it("needs both ends of an event, and writes nothing of a failed subgraph", async () => {
      const { store } = await setup();
      const error = store.putLineage({
        artifacts: [{ ref: commit }],
        executions: [{ id: "x", type: "pipeline" }],
        events: [
          { artifact: commit, execution: "x", type: "input" },
          { artifact: trainingSet, execution: "x", type: "output" },
        ],
      });
      await expectCode(error, "NOT_FOUND");
      await expectCode(store.lineage(commit, { direction: "both" }), "NOT_FOUND");
      await expectCode(
        store.putLineage({
          artifacts: [{ ref: commit }],
          events: [{ artifact: commit, execution: "missing", type: "input" }],
        }),
        "NOT_FOUND",
      );
      await expectCode(store.lineage(commit, { direction: "both" }), "NOT_FOUND");
    });

    it("refuses a duplicate event, in the store or in one subgraph", async () => {
      const { store } = await setup();
      const event = { artifact: commit, execution: "x", type: "input" as const };
      await store.putLineage({ artifacts: [{ ref: commit }], executions: [{ id: "x", type: "t" }], events: [event] });
      await expectCode(store.putLineage({ events: [event] }), "ALREADY_EXISTS");
      await expectCode(
        store.putLineage({
          artifacts: [{ ref: trainingSet }],
          events: [
            { ...event, artifact: trainingSet },
            { ...event, artifact: trainingSet },
          ],
        }),
        "ALREADY_EXISTS",
      );
      await expectCode(store.lineage(trainingSet, { direction: "both" }), "NOT_FOUND");
      const output = { ...event, type: "output" as const };
      await store.putLineage({ events: [output] });
      expect((await store.lineage(commit, { direction: "both" })).events).toHaveLength(2);
    });

    it("refuses a parent-context cycle with INVALID_ARGUMENT", async () => {
      const { store } = await setup();
      await store.putLineage({
        contexts: ["a", "b", "c"].map((id) => ({ id, type: "project" })),
        parentContexts: [
          { child: "a", parent: "b" },
          { child: "b", parent: "c" },
        ],
      });
      await expectCode(store.putLineage({ parentContexts: [{ child: "c", parent: "a" }] }), "INVALID_ARGUMENT");
      await expectCode(store.putLineage({ parentContexts: [{ child: "a", parent: "a" }] }), "INVALID_ARGUMENT");
      await expectCode(
        store.putLineage({
          contexts: [{ id: "d", type: "project" }],
          parentContexts: [
            { child: "d", parent: "a" },
            { child: "c", parent: "d" },
          ],
        }),
        "INVALID_ARGUMENT",
      );
      await store.putLineage({
        contexts: [{ id: "e", type: "project" }],
        parentContexts: [{ child: "c", parent: "e" }],
      });
    });

    it("records attributions and associations, and refuses a node changing type", async () => {
      const { store } = await setup();
      await store.putLineage({
        artifacts: [{ ref: commit }],
        executions: [{ id: "x", type: "pipeline", name: "nightly" }],
        contexts: [{ id: "proj", type: "project", name: "Project" }],
        attributions: [{ artifact: commit, context: "proj" }],
        associations: [{ execution: "x", context: "proj" }],
        events: [{ artifact: commit, execution: "x", type: "input" }],
      });
      const g = await store.lineage(commit, { direction: "downstream" });
      expect(g.executions).toEqual([{ id: "x", type: "pipeline", name: "nightly", properties: {} }]);
      expect(g.contexts).toEqual([{ id: "proj", type: "project", name: "Project", properties: {} }]);
      expect(g.attributions).toEqual([{ artifact: refKey(commit), context: "proj" }]);
      expect(g.associations).toEqual([{ execution: "x", context: "proj" }]);
      await expectCode(store.putLineage({ executions: [{ id: "x", type: "other" }] }), "CONFLICT");
      await expectCode(store.putLineage({ attributions: [{ artifact: trainingSet, context: "proj" }] }), "NOT_FOUND");
      await expectCode(
        store.putLineage({ artifacts: [{ ref: { kind: "nope" } as unknown as Ref }] }),
        "INVALID_ARGUMENT",
      );
    });
  });

  describe("run outputs and OpenLineage", () => {
    it("exports START then COMPLETE with inputs, outputs and a UUID run id", async () => {
      const { store } = await setup();
      const { run } = await trainedModel(store);
      await store.logInputs(run.runId, [commit, commit]);
      await store.createRegisteredModel("churn");
      await store.createModelVersion("churn", {
        source: { kind: "artifact", uri: "mem://m", digest, size: 1 },
        runId: run.runId,
      });
      expect((await store.toOpenLineage(run.runId)).map((e) => e.eventType)).toEqual(["START"]);
      await store.endRun(run.runId, "FINISHED");
      const events = await store.toOpenLineage(run.runId, { namespace: "acme" });
      expect(events.map((e) => e.eventType)).toEqual(["START", "COMPLETE"]);
      const [start, end] = events;
      expect(start?.run.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(end?.run.runId).toBe(start?.run.runId);
      expect(end?.job).toMatchObject({ namespace: "acme", name: "exp" });
      expect(end?.inputs.map((d) => d.name)).toEqual([refKey(commit)]);
      expect(end?.outputs.map((d) => d.name)).toEqual([
        refKey({ kind: "model-version", model: "churn", version: "1" }),
      ]);
    });

    it("exports FAIL with the error message, ABORT for killed runs, and the parent facet", async () => {
      const { store } = await setup();
      const { e, run } = await trainedModel(store);
      const child = await store.createRun({ experimentId: e.experimentId, parentRunId: run.runId });
      await store.endRun(child.runId, "FAILED", { errorMessage: "out of memory" });
      const [, fail] = await store.toOpenLineage(child.runId);
      expect(fail?.eventType).toBe("FAIL");
      expect(fail?.run.facets?.errorMessage).toMatchObject({ message: "out of memory" });
      const [parentStart] = await store.toOpenLineage(run.runId);
      expect(fail?.run.facets?.parent).toMatchObject({ run: { runId: parentStart?.run.runId }, job: { name: "exp" } });
      await store.endRun(run.runId, "KILLED");
      expect((await store.toOpenLineage(run.runId)).map((x) => x.eventType)).toEqual(["START", "ABORT"]);
    });
  });
}
