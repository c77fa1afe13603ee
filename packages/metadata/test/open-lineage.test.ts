import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSequentialIdGenerator, ManualClock } from "@mlstack/core";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { MetadataStore, OpenLineageRunEvent } from "../src/index.js";
import { createMemoryMetadataStore, openLineageRunId } from "../src/index.js";

const specDir = new URL("../../../../shared/specs/openlineage/", import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(name, specDir)), "utf8"));

function validators() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const schemas = [
    "OpenLineage.json",
    "ParentRunFacet.json",
    "ErrorMessageRunFacet.json",
    "JobTypeJobFacet.json",
    "DatasetVersionDatasetFacet.json",
  ].map(load);
  for (const s of schemas) ajv.addSchema(s);
  const get = (s: { $id: string }) => ajv.getSchema(s.$id) as NonNullable<ReturnType<typeof ajv.getSchema>>;
  const [event, parent, error, jobType, version] = schemas.map(get) as [
    ReturnType<typeof get>,
    ReturnType<typeof get>,
    ReturnType<typeof get>,
    ReturnType<typeof get>,
    ReturnType<typeof get>,
  ];
  const check = (e: OpenLineageRunEvent) => {
    const checks: Array<[string, ReturnType<typeof get>, unknown]> = [
      ["event", event, e],
      ["parent facet", parent, { parent: e.run.facets?.parent }],
      ["error facet", error, { errorMessage: e.run.facets?.errorMessage }],
      ["job type facet", jobType, e.job.facets],
      ...[...e.inputs, ...e.outputs].map((d): [string, ReturnType<typeof get>, unknown] => [
        "version facet",
        version,
        d.facets ?? {},
      ]),
    ];
    for (const [what, validate, value] of checks) {
      expect(validate(value), `${what}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  };
  return { check, event };
}

async function scenario(store: MetadataStore) {
  const e = await store.createExperiment({ name: "churn-training" });
  const parent = await store.createRun({ experimentId: e.experimentId, name: "sweep" });
  const child = await store.createRun({ experimentId: e.experimentId, parentRunId: parent.runId, name: "trial-1" });
  await store.logInputs(child.runId, [
    { kind: "data-commit", repo: "events", commit: "abc123" },
    { kind: "training-set", id: "ts-1", contentHash: "h" },
    { kind: "feature-view", name: "user_stats" },
  ]);
  const artifact = await store.logArtifact(child.runId, "model.json", new TextEncoder().encode("{}"));
  await store.createRegisteredModel("churn");
  await store.createModelVersion("churn", { source: artifact, runId: child.runId });
  return { parent, child };
}

describe("OpenLineage export", () => {
  it("validates against the OpenLineage 2-0-2 schema and the facet schemas", async () => {
    const { check: validate, event: eventSchema } = validators();
    for (const ids of [undefined, createSequentialIdGenerator("run")]) {
      const store = createMemoryMetadataStore({ clock: new ManualClock(1_700_000_000_000), ...(ids ? { ids } : {}) });
      const { parent, child } = await scenario(store);
      const sibling = await store.createRun({ experimentId: child.experimentId, parentRunId: parent.runId });
      await store.endRun(child.runId, "FAILED", { errorMessage: "CUDA out of memory" });
      await store.endRun(sibling.runId, "KILLED");
      await store.endRun(parent.runId, "FINISHED");
      const all = [
        ...(await store.toOpenLineage(child.runId)),
        ...(await store.toOpenLineage(sibling.runId)),
        ...(await store.toOpenLineage(parent.runId, { namespace: "acme", producer: "https://example.com/producer" })),
      ];
      expect(all.map((e) => e.eventType)).toEqual(["START", "FAIL", "START", "ABORT", "START", "COMPLETE"]);
      for (const event of all) validate(event);
      // The validator is live: a non-UUID run id or a missing job name is refused.
      expect(eventSchema({ ...all[0], run: { runId: "not-a-uuid" } })).toBe(false);
      expect(eventSchema({ ...all[0], job: { namespace: "x" } })).toBe(false);
      const fail = all[1] as OpenLineageRunEvent;
      expect(fail.run.runId).toBe(openLineageRunId(child.runId));
      expect(fail.inputs.map((d) => d.name)).toHaveLength(3);
      expect(fail.outputs).toHaveLength(2);
      await store.stop();
    }
  });

  it("derives a stable UUID for run ids that are not UUIDs", () => {
    const id = openLineageRunId("run-1");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(openLineageRunId("run-1")).toBe(id);
    expect(openLineageRunId("run-2")).not.toBe(id);
  });
});
