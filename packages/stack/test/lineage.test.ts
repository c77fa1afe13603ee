import { type DataCommitRef, isMlstackError, type Ref, refKey } from "@mlstack/core";
import { runExecutionId } from "@mlstack/metadata";
import type { LinearTrainerParams } from "@mlstack/training";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestStack, type TestStack } from "../src/index.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FEATURES = ["income", "debt_ratio"] as const;

const loanSchema = z.object({
  applicant_id: z.number().int(),
  profile_time: z.number().int(),
  applied_at: z.number().int(),
  income: z.number(),
  debt_ratio: z.number(),
  defaulted: z.union([z.literal(0), z.literal(1)]),
});
type Loan = z.infer<typeof loanSchema>;

// A deterministic table with a signal: a high debt ratio defaults.
function loans(start: number, count = 120): Loan[] {
  return Array.from({ length: count }, (_, i) => {
    const debt = ((i * 37) % 100) / 100;
    return {
      applicant_id: i + 1,
      profile_time: start - DAY + i * 1000,
      applied_at: start + i * 1000,
      income: 30_000 + ((i * 7919) % 50_000),
      debt_ratio: debt,
      defaulted: debt > 0.55 ? 1 : 0,
    };
  });
}

const params: LinearTrainerParams = {
  task: "binary-classification",
  features: [...FEATURES],
  label: "defaulted",
  learningRate: 0.5,
  learningRateDecay: 0,
  epochs: 5,
  batchSize: 32,
  l2: 0,
  validationFraction: 0.25,
  patience: 5,
  standardize: true,
};

/** Commit → features → training set → run → model version → deployment → monitor window, through the stack. */
async function runLoop(stack: TestStack) {
  const start = stack.clock.now();
  const { commit } = await stack.data
    .createRepo("loans")
    .then(() => stack.data.commitTable("loans", "main", "loans.jsonl", loanSchema, loans(start), { message: "loans" }));
  await stack.features.apply({
    entities: [{ name: "applicant", joinKeys: [{ name: "applicant_id", type: "int64" }] }],
    featureViews: [
      {
        name: "profile",
        entities: ["applicant"],
        schema: { fields: FEATURES.map((name) => ({ name, type: "float64" as const })) },
        source: { dataRef: commit.ref },
      },
    ],
  });
  const stored: Loan[] = [];
  for await (const l of stack.data.readTable("loans", commit.id, "loans.jsonl", loanSchema)) stored.push(l);
  await stack.features.ingest(
    "profile",
    stored.map((l) => ({
      applicant_id: l.applicant_id,
      event_timestamp: l.profile_time,
      income: l.income,
      debt_ratio: l.debt_ratio,
    })),
  );
  stack.clock.advance(HOUR);
  const set = await stack.buildTrainingSet({
    entityRows: stored.map((l) => ({
      applicant_id: l.applicant_id,
      event_timestamp: l.applied_at,
      defaulted: l.defaulted,
    })),
    features: FEATURES.map((f) => `profile:${f}`),
  });
  const trained = await stack.train({
    trainer: { name: "mlstack.linear", version: "1" },
    params,
    inputs: [set.ref],
    seed: 7,
  });
  const version = await stack.registerModel({ job: trained.job.ref, model: "loan-default", alias: "champion" });
  const deployment = await stack.serving.deploy({
    name: "loan-default",
    runtime: "linear",
    model: { kind: "model-version", model: "loan-default", version: version.version },
    signature: {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, FEATURES.length] }],
      outputs: [{ name: "probability", datatype: "FP64", shape: [-1] }],
    },
  });
  const deploymentRef = { kind: "deployment" as const, name: "loan-default" };
  await stack.monitor.registerDeployment({
    deployment: deploymentRef,
    schema: { fields: FEATURES.map((name) => ({ name, type: "float64" as const })) },
    windowMs: HOUR,
  });
  const rows = stored.slice(0, 10);
  const answer = await stack.serving.predict("loan-default", {
    inputs: [
      {
        name: "features",
        datatype: "FP64",
        shape: [rows.length, FEATURES.length],
        data: rows.flatMap((r) => FEATURES.map((f) => r[f])),
      },
    ],
  });
  const scores = answer.outputs[0]?.data as number[];
  const logged = await stack.monitor.log(
    deploymentRef,
    rows.map((r, i) => ({
      features: { income: r.income, debt_ratio: r.debt_ratio },
      prediction: (scores[i] as number) >= 0.5 ? 1 : 0,
      score: scores[i] as number,
    })),
  );
  const window = logged.windows[0];
  if (!window) throw new Error("the monitor reported no window");
  return { commit: commit.ref, set, trained, version, deployment, window };
}

const keys = (graph: { artifacts: readonly { key: string }[] }) => graph.artifacts.map((a) => a.key);

describe("lineage through all six bricks", () => {
  it("traces a monitor window back to the exact data commit, and the data commit forward to the deployment", async () => {
    await using stack = await createTestStack();
    const errors: Error[] = [];
    stack.events.on("lineage.error", (e) => errors.push(e.error));
    const recorded = new Set<string>();
    stack.events.on("lineage.recorded", (e) => recorded.add(e.type));
    const { commit, set, trained, version, deployment, window } = await runLoop(stack);

    const upstream = await stack.lineage(window, { direction: "upstream" });
    const artifactKeys = keys(upstream);
    expect(artifactKeys).toContain(refKey(window));
    expect(artifactKeys).toContain(refKey(deployment.ref));
    expect(deployment.ref.revision).toBe(1);
    expect(artifactKeys).toContain(refKey({ kind: "model-version", model: "loan-default", version: version.version }));
    expect(artifactKeys).toContain(refKey(set.ref));
    expect(artifactKeys).toContain(refKey(commit));
    expect(upstream.executions.map((e) => e.id)).toContain(runExecutionId(trained.run.runId));
    expect(upstream.executions.map((e) => e.type).sort()).toEqual(
      ["features.historical", "monitor.log", "run", "serving.deploy"].sort(),
    );
    // The training set carries its definition hash and size; the feature view is pinned to its definition.
    const setNode = upstream.artifacts.find((a) => a.key === refKey(set.ref));
    expect(setNode?.properties).toMatchObject({ rows: 120, featureNames: "income,debt_ratio" });
    expect(setNode?.properties.definitionHash).toMatch(/^[0-9a-f]{64}$/);
    const view = upstream.artifacts.find((a) => a.ref.kind === "feature-view");
    expect(view?.ref).toMatchObject({ kind: "feature-view", name: "profile", definitionHash: expect.any(String) });
    // The data commit node keeps where it came from.
    const commitNode = upstream.artifacts.find((a) => a.key === refKey(commit));
    expect(commitNode?.properties).toMatchObject({ repo: "loans", branch: "main", message: "loans", origin: "user" });

    const downstream = await stack.lineage(commit, { direction: "downstream" });
    expect(keys(downstream)).toEqual(
      expect.arrayContaining([
        refKey(set.ref),
        refKey({ kind: "model-version", model: "loan-default", version: version.version }),
        refKey(deployment.ref),
        refKey({ kind: "deployment", name: "loan-default" }),
        refKey(window),
      ]),
    );
    // The snapshot the trainer read derives from the same commit.
    expect(keys(downstream)).toContain(refKey(set.snapshot as DataCommitRef));
    expect(errors).toEqual([]);
    expect([...recorded].sort()).toEqual(
      ["data.commit", "features.historical", "monitor.log", "run", "serving.deploy", "stack.snapshot"].sort(),
    );
  });

  it("answers lineage of the revision-less deployment, and records a later revision with its new model", async () => {
    await using stack = await createTestStack();
    const { set, version } = await runLoop(stack);
    const retrained = await stack.train({
      trainer: { name: "mlstack.linear", version: "1" },
      params: { ...params, l2: 0.1 },
      inputs: [set.ref],
      seed: 8,
    });
    const v2 = await stack.registerModel({ job: retrained.job.ref, model: "loan-default" });
    const updated = await stack.serving.update("loan-default", {
      model: { kind: "model-version", model: "loan-default", version: v2.version },
    });
    expect(updated.revision).toBe(2);
    const ofRevision2 = await stack.lineage(updated.ref, { direction: "upstream" });
    expect(keys(ofRevision2)).toContain(refKey({ kind: "model-version", model: "loan-default", version: "2" }));
    expect(keys(ofRevision2)).not.toContain(
      refKey({ kind: "model-version", model: "loan-default", version: version.version }),
    );
    const ofName = await stack.lineage({ kind: "deployment", name: "loan-default" }, { direction: "upstream" });
    expect(keys(ofName)).toEqual(
      expect.arrayContaining([
        refKey({ kind: "model-version", model: "loan-default", version: "1" }),
        refKey({ kind: "model-version", model: "loan-default", version: "2" }),
      ]),
    );
  });

  it("records a window again when a new revision serves into it, and a streamed training set once its ref resolves", async () => {
    await using stack = await createTestStack();
    const { set, window, version } = await runLoop(stack);
    const updated = await stack.serving.update("loan-default", {
      traffic: [{ model: { kind: "model-version", model: "loan-default", version: version.version }, weight: 100 }],
    });
    expect(updated.revision).toBe(2);
    await stack.monitor.log({ kind: "deployment", name: "loan-default" }, [
      { features: { income: 40_000, debt_ratio: 0.2 }, prediction: 0 },
    ]);
    const graph = await stack.lineage(window, { maxHops: 2 });
    expect(keys(graph)).toEqual(
      expect.arrayContaining([
        refKey({ kind: "deployment", name: "loan-default", revision: 1 }),
        refKey({ kind: "deployment", name: "loan-default", revision: 2 }),
      ]),
    );
    expect(graph.executions.filter((e) => e.type === "monitor.log")).toHaveLength(1);

    // The stream's rows are counted as they are read; the set is recorded once the stream ends.
    const entityRows = set.rows.map((r) => ({
      applicant_id: r.applicant_id,
      event_timestamp: r.event_timestamp,
      defaulted: r.defaulted,
    }));
    const stream = stack.features.streamHistoricalFeatures({ entityRows, features: ["profile:income"] });
    let streamed = 0;
    for await (const batch of stream) streamed += batch.length;
    const ref = await stream.ref;
    expect(streamed).toBe(entityRows.length);
    const streamedGraph = await stack.lineage(ref);
    const node = streamedGraph.artifacts.find((a) => a.key === refKey(ref));
    expect(node?.properties).toMatchObject({ rows: entityRows.length, featureNames: "income" });
    expect(streamedGraph.artifacts.map((a) => a.ref.kind).sort()).toEqual(
      ["data-commit", "feature-view", "training-set"].sort(),
    );
  });

  it("records a data commit's provenance as an execution", async () => {
    await using stack = await createTestStack();
    await stack.data.createRepo("raw");
    await stack.data.createRepo("clean");
    const raw = await stack.data.commit(
      "raw",
      "main",
      async (tx) => {
        await tx.put("a.txt", "1");
      },
      { message: "raw" },
    );
    const clean = await stack.data.commit(
      "clean",
      "main",
      async (tx) => {
        await tx.put("a.txt", "1");
      },
      {
        message: "cleaned",
        provenance: [raw.ref],
      },
    );
    const graph = await stack.lineage(clean.ref);
    expect(graph.executions).toEqual([
      expect.objectContaining({ type: "data.commit", id: `data.commit:${refKey(clean.ref)}` }),
    ]);
    expect(keys(graph).sort()).toEqual([refKey(clean.ref), refKey(raw.ref)].sort());
  });

  it("records a pipeline's output commit as a data.pipeline execution from its input commit", async () => {
    await using stack = await createTestStack();
    await stack.data.createRepo("in");
    await stack.data.createRepo("out");
    const input = await stack.data.commit(
      "in",
      "main",
      async (tx) => {
        await tx.put("x.txt", "hello");
      },
      { message: "in" },
    );
    const run = await stack.data.runPipeline({
      name: "upper",
      input: { repo: "in", branch: "main", glob: "/*.txt" },
      output: { repo: "out", branch: "main" },
      fingerprint: { code: "upper@1" },
      transform: async (datum) => datum.files.map((f) => ({ path: f.path, data: "HELLO" })),
    });
    const output = run.commit;
    expect(output).toBeDefined();
    const graph = await stack.lineage(output!.ref);
    expect(graph.executions.map((e) => e.type)).toEqual(["data.pipeline"]);
    expect(keys(graph)).toContain(refKey(input.ref));
  });

  it("waits for pending recording in lineage() and reports a failed write as lineage.error without failing the call", async () => {
    await using stack = await createTestStack();
    const errors: { what: string; error: Error }[] = [];
    stack.events.on("lineage.error", (e) => errors.push(e));
    // The data commit records fine; then the MetadataStore refuses writes (stopped), and the commit still succeeds.
    await stack.data.createRepo("r");
    const first = await stack.data.commit(
      "r",
      "main",
      async (tx) => {
        await tx.put("a", "1");
      },
      { message: "one" },
    );
    expect((await stack.lineage(first.ref)).artifacts.map((a) => a.key)).toEqual([refKey(first.ref)]);
    await stack.metadata.stop?.();
    const second = await stack.data.commit(
      "r",
      "main",
      async (tx) => {
        await tx.put("a", "2");
      },
      {
        message: "two",
        provenance: [first.ref],
      },
    );
    expect(second.ref.kind).toBe("data-commit");
    await stack.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.what).toContain(second.id);
  });

  it("records nothing with lineage off, and a training set still comes back when its recording fails", async () => {
    {
      await using stack = await createTestStack({ lineage: { enabled: false } });
      await stack.data.createRepo("r");
      const commit = await stack.data.commit(
        "r",
        "main",
        async (tx) => {
          await tx.put("a", "1");
        },
        { message: "one" },
      );
      await stack.flush();
      const error = await stack.lineage(commit.ref).catch((e: unknown) => e);
      expect(isMlstackError(error, "NOT_FOUND")).toBe(true);
      expect((await stack.metadata.searchExperiments()).items).toEqual([]);
    }
    await using stack = await createTestStack();
    const errors: string[] = [];
    stack.events.on("lineage.error", (e) => errors.push(e.what));
    await stack.features.apply({
      entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" }] }],
      featureViews: [{ name: "stats", entities: ["user"], schema: { fields: [{ name: "clicks", type: "float64" }] } }],
    });
    await stack.features.ingest("stats", [{ user_id: 1, event_timestamp: 0, clicks: 3 }]);
    await stack.metadata.stop?.();
    const set = await stack.features.getHistoricalFeatures({
      entityRows: [{ user_id: 1, event_timestamp: 10 }],
      features: ["stats:clicks"],
    });
    expect(set.rows).toEqual([{ user_id: 1, event_timestamp: 10, clicks: 3 }]);
    expect(errors).toEqual([`training set ${refKey(set.ref)}`]);
  });

  it("refuses a lineage query for a bad ref and says NOT_FOUND for an unknown one", async () => {
    await using stack = await createTestStack();
    const bad = await stack.lineage({ kind: "nope" } as unknown as Ref).catch((e: unknown) => e);
    expect(isMlstackError(bad, "INVALID_ARGUMENT")).toBe(true);
    const missing = await stack.lineage({ kind: "data-commit", repo: "x", commit: "y" }).catch((e: unknown) => e);
    expect(isMlstackError(missing, "NOT_FOUND")).toBe(true);
  });
});
