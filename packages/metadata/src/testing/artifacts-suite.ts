import { refKey } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import type { Fixture } from "./harness.js";
import { expectCode } from "./harness.js";

const bytes = (text: string) => new TextEncoder().encode(text);

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield bytes(p);
}

/** Run artifacts: stored content-addressed, listed by path, read back verified. */
export function artifactsSuite(setup: () => Promise<Fixture>): void {
  describe("artifacts", () => {
    it("logs bytes and streams, lists them by path and reads them back", async () => {
      const { store } = await setup();
      const e = await store.createExperiment({ name: "exp" });
      const run = await store.createRun({ experimentId: e.experimentId });
      const a = await store.logArtifact(run.runId, "model/weights.bin", bytes("weights"));
      const b = await store.logArtifact(run.runId, "report.txt", chunks("hello ", "world"));
      expect(a).toMatchObject({ kind: "artifact", size: 7 });
      expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(b.size).toBe(11);
      expect((await store.listArtifacts(run.runId)).map((x) => [x.path, x.ref])).toEqual([
        ["model/weights.bin", a],
        ["report.txt", b],
      ]);
      expect((await store.listArtifacts(run.runId, "model/")).map((x) => x.path)).toEqual(["model/weights.bin"]);
      expect(new TextDecoder().decode(await store.readArtifact(run.runId, "report.txt"))).toBe("hello world");
      const outputs = await store.lineage({ kind: "run", runId: run.runId }, { direction: "downstream" });
      expect(outputs.artifacts.map((x) => x.key).sort()).toEqual([refKey(a), refKey(b)].sort());
    });

    it("detects corrupted bytes with DATA_CORRUPTION", async () => {
      const { store, artifacts } = await setup();
      const e = await store.createExperiment({ name: "exp" });
      const run = await store.createRun({ experimentId: e.experimentId });
      const ref = await store.logArtifact(run.runId, "m.bin", bytes("good"));
      artifacts.corruptForTesting(ref, bytes("evil"));
      await expectCode(store.readArtifact(run.runId, "m.bin"), "DATA_CORRUPTION");
    });

    it("refuses bad paths, unknown runs and deleted runs", async () => {
      const { store } = await setup();
      const e = await store.createExperiment({ name: "exp" });
      const run = await store.createRun({ experimentId: e.experimentId });
      await expectCode(store.logArtifact(run.runId, "../x", bytes("x")), "INVALID_ARGUMENT");
      await expectCode(store.logArtifact(run.runId, "/abs", bytes("x")), "INVALID_ARGUMENT");
      await expectCode(store.logArtifact(run.runId, "x", "text" as unknown as Uint8Array), "INVALID_ARGUMENT");
      await expectCode(store.logArtifact("nope", "x", bytes("x")), "NOT_FOUND");
      await expectCode(store.readArtifact(run.runId, "absent"), "NOT_FOUND");
      await store.deleteRun(run.runId);
      await expectCode(store.logArtifact(run.runId, "x", bytes("x")), "FAILED_PRECONDITION");
      expect(await store.listArtifacts(run.runId)).toEqual([]);
    });
  });
}
