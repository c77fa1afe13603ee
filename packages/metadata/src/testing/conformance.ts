import { describe, expect, it } from "vitest";
import { METADATA_CAPABILITIES } from "../engine/metadata-store-engine.js";
import { artifactsSuite } from "./artifacts-suite.js";
import type { MetadataStoreConformanceOptions } from "./harness.js";
import { expectCode, fixtures } from "./harness.js";
import { lineageSuite } from "./lineage-suite.js";
import { registrySuite } from "./registry-suite.js";
import { searchSuite } from "./search-suite.js";
import { trackingSuite } from "./tracking-suite.js";

/**
 * The MetadataStore conformance suite. Every implementation runs it; groups are gated on the
 * capability manifest the implementation declares (all on by default), which must equal what its
 * stores expose, and a capability that is off must make its methods throw `NOT_SUPPORTED`.
 */
export function metadataStoreConformance(options: MetadataStoreConformanceOptions): void {
  const caps = { ...METADATA_CAPABILITIES, ...options.capabilities };
  describe(`MetadataStore conformance: ${options.name}`, () => {
    const setup = fixtures(options.create);

    it("exposes the declared capabilities, and NOT_SUPPORTED for those that are off", async () => {
      const { store } = await setup();
      expect({ ...store.capabilities }).toEqual(caps);
      const calls: Record<string, () => Promise<unknown>> = {
        search: () => store.searchRuns({ experimentIds: ["x"] }),
        artifacts: () => store.logArtifact("x", "p", new Uint8Array([1])),
        modelRegistry: () => store.getRegisteredModel("m"),
        lineage: () => store.lineage({ kind: "run", runId: "x" }, { direction: "both" }),
        openLineage: () => store.toOpenLineage("x"),
      };
      for (const [cap, on] of Object.entries(caps)) {
        const call = calls[cap];
        if (!on && call) await expectCode(call(), "NOT_SUPPORTED");
      }
    });

    trackingSuite(setup);
    describe.runIf(caps.search)("search", () => searchSuite(setup));
    describe.runIf(caps.artifacts)("artifacts", () => artifactsSuite(setup));
    describe.runIf(caps.modelRegistry)("model registry", () => registrySuite(setup));
    describe.runIf(caps.lineage && caps.modelRegistry && caps.openLineage)("lineage", () => lineageSuite(setup));
  });
}
