import { isMlstackError, type Ref } from "@mlstack/core";
import { createMemoryDataEngine, type DataEngine } from "@mlstack/data";
import { describe, expect, it } from "vitest";
import { createTestStack, dataInputResolver, type TestStack } from "../src/index.js";

async function readAll(iterable: AsyncIterable<Record<string, unknown>>): Promise<Record<string, unknown>[] | Error> {
  const rows: Record<string, unknown>[] = [];
  try {
    for await (const row of iterable) rows.push(row);
  } catch (error) {
    return error as Error;
  }
  return rows;
}

const signal = () => new AbortController().signal;

async function put(data: DataEngine, repo: string, path: string, text: string) {
  await data.createRepo(repo).catch(() => undefined);
  const commit = await data.commit(
    repo,
    "main",
    async (tx) => {
      await tx.put(path, text);
    },
    { message: path },
  );
  return data.fileRef(repo, commit.id, path);
}

/** A training set built through the stack (entity rows with a label, one feature). */
async function buildSet(stack: TestStack, count = 5) {
  await stack.features.apply({
    entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" }] }],
    featureViews: [{ name: "stats", entities: ["user"], schema: { fields: [{ name: "clicks", type: "float64" }] } }],
  });
  const t0 = stack.clock.now();
  await stack.features.ingest(
    "stats",
    Array.from({ length: count }, (_, i) => ({ user_id: i, event_timestamp: t0 - 1000, clicks: i * 1.5 })),
  );
  return stack.buildTrainingSet({
    entityRows: Array.from({ length: count }, (_, i) => ({ user_id: i, event_timestamp: t0, label: i % 2 })),
    features: ["stats:clicks"],
  });
}

describe("dataInputResolver", () => {
  it("streams a training set's rows from the snapshot buildTrainingSet committed", async () => {
    await using stack = await createTestStack();
    const set = await buildSet(stack, 2500);
    expect(set.snapshot?.repo).toBe("mlstack-training-sets");
    const rows = await readAll(dataInputResolver(stack.data).read(set.ref, signal()));
    expect(rows).toEqual(set.rows);
    // The snapshot commit names the set and derives from nothing here (the view has no data commit).
    const commit = await stack.data.getCommit("mlstack-training-sets", set.snapshot!.commit);
    expect(commit.metadata).toMatchObject({ rows: 2500, featureNames: ["clicks"] });
  });

  it("writes a bigint column of a training set as its decimal string", async () => {
    await using stack = await createTestStack();
    await stack.features.apply({
      entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" }] }],
      featureViews: [{ name: "stats", entities: ["user"], schema: { fields: [{ name: "clicks", type: "float64" }] } }],
    });
    const t0 = stack.clock.now();
    await stack.features.ingest("stats", [{ user_id: 1, event_timestamp: t0 - 1000, clicks: 2 }]);
    const set = await stack.buildTrainingSet({
      entityRows: [{ user_id: 1, event_timestamp: t0, weight: 2n ** 60n }],
      features: ["stats:clicks"],
    });
    const rows = await readAll(dataInputResolver(stack.data).read(set.ref, signal()));
    expect(rows).toEqual([expect.objectContaining({ weight: String(2n ** 60n), clicks: 2 })]);
  });

  it("snapshots the same set once, and into the repo the stack names", async () => {
    await using stack = await createTestStack({ lineage: { trainingSetRepo: "sets" } });
    const first = await buildSet(stack);
    const again = await stack.buildTrainingSet({
      entityRows: first.rows.map((r) => ({ user_id: r.user_id, event_timestamp: r.event_timestamp, label: r.label })),
      features: ["stats:clicks"],
    });
    expect(again.ref).toEqual(first.ref);
    expect(again.snapshot).toEqual(first.snapshot);
    expect(first.snapshot?.repo).toBe("sets");
    expect(await readAll(dataInputResolver(stack.data, { repo: "sets" }).read(first.ref, signal()))).toEqual(
      first.rows,
    );
    // Recorded: the training set → its snapshot.
    const graph = await stack.lineage(first.snapshot!);
    expect(graph.executions.map((e) => e.type)).toContain("stack.snapshot");
  });

  it("reads a data file's JSON Lines at its commit, checking the digest the ref carries", async () => {
    const data = createMemoryDataEngine();
    const ref = await put(data, "r", "t.jsonl", '{"a":1}\n\n{"a":2,"b":"x"}');
    const resolver = dataInputResolver(data);
    expect(await readAll(resolver.read(ref, signal()))).toEqual([{ a: 1 }, { a: 2, b: "x" }]);
    const wrong = { ...ref, digest: `sha256:${"0".repeat(64)}` };
    const error = await readAll(resolver.read(wrong, signal()));
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    const { digest: _d, ...unpinned } = ref;
    expect(await readAll(resolver.read(unpinned, signal()))).toHaveLength(2);
  });

  it("names the line that is not a JSON object", async () => {
    const data = createMemoryDataEngine();
    const resolver = dataInputResolver(data);
    for (const [text, line] of [
      ['{"a":1}\nnot json\n', 2],
      ['{"a":1}\n[1,2]\n', 2],
      ["7", 1],
    ] as const) {
      const ref = await put(data, "r", `f${line}${text.length}.jsonl`, text);
      const error = await readAll(resolver.read(ref, signal()));
      expect(isMlstackError(error, "INVALID_ARGUMENT")).toBe(true);
      expect((error as Error).message).toContain(`line ${line}`);
    }
  });

  it("says NOT_FOUND for a training set never snapshotted, INVALID_ARGUMENT for other refs and bad options", async () => {
    const data = createMemoryDataEngine();
    const resolver = dataInputResolver(data);
    const missing = await readAll(
      resolver.read({ kind: "training-set", id: "ts", contentHash: "sha256:00" }, signal()),
    );
    expect(isMlstackError(missing, "NOT_FOUND")).toBe(true);
    expect((missing as Error).message).toContain("buildTrainingSet");
    for (const ref of [
      { kind: "data-commit", repo: "r", commit: "c" },
      { kind: "run", runId: "x" },
      { kind: "nope" },
    ]) {
      const error = await readAll(resolver.read(ref as Ref, signal()));
      expect(isMlstackError(error, "INVALID_ARGUMENT")).toBe(true);
    }
    expect(() => dataInputResolver(data, { repo: "" })).toThrowError(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("stops with CANCELLED when its signal is aborted", async () => {
    const data = createMemoryDataEngine();
    const ref = await put(data, "r", "t.jsonl", '{"a":1}\n{"a":2}\n');
    const controller = new AbortController();
    controller.abort();
    const error = await readAll(dataInputResolver(data).read(ref, controller.signal));
    expect(isMlstackError(error, "CANCELLED")).toBe(true);
  });

  it("buildTrainingSet refuses a bad request and an unknown FeatureStore brick, writing nothing", async () => {
    await using stack = await createTestStack();
    const bad = await stack.buildTrainingSet({ entityRows: [], brick: "" }).catch((e: unknown) => e);
    expect(isMlstackError(bad, "INVALID_ARGUMENT")).toBe(true);
    const unknown = await stack
      .buildTrainingSet({ entityRows: [], features: ["x:y"], brick: "other" })
      .catch((e: unknown) => e);
    expect(isMlstackError(unknown, "NOT_FOUND")).toBe(true);
    const noSelection = await stack.buildTrainingSet({ entityRows: [] }).catch((e: unknown) => e);
    expect(isMlstackError(noSelection, "INVALID_ARGUMENT")).toBe(true);
    expect((await stack.data.listRepos()).map((r) => r.name)).not.toContain("mlstack-training-sets");
  });
});
