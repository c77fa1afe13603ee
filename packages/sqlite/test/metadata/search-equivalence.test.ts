import { createSequentialIdGenerator, ManualClock } from "@mlstack/core";
import type { MetadataStore, RunField, RunFilter, RunOrder } from "@mlstack/metadata";
import { createMemoryMetadataStore } from "@mlstack/metadata";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSqliteMetadataStore } from "../../src/metadata/index.js";

// Small pools make collisions, ties, NaN, infinities, absent keys and non-ASCII strings common.
const NUMBERS = [0, 1, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const STRINGS = ["", "a", "A", "ab", "b", "é", "😀", "\uffff", "0.1", "10", "%", "_x"];
const PATTERNS = ["%", "a%", "%b", "_", "é%", "%😀", "A%", "__", "%\uffff", "\\%"];
const STATUSES = ["RUNNING", "FINISHED", "FAILED", "KILLED"] as const;

const runSpec = fc.record({
  startTime: fc.integer({ min: 0, max: 4 }),
  status: fc.constantFrom(...STATUSES),
  deleted: fc.boolean(),
  metrics: fc.dictionary(fc.constantFrom("a", "b"), fc.constantFrom(...NUMBERS)),
  params: fc.dictionary(fc.constantFrom("p", "q"), fc.constantFrom(...STRINGS)),
  tags: fc.dictionary(fc.constantFrom("t"), fc.constantFrom(...STRINGS)),
});

const numericField = fc.constantFrom<RunField>(
  { type: "metric", key: "a" },
  { type: "metric", key: "b" },
  { type: "attribute", key: "startTime" },
  { type: "attribute", key: "endTime" },
);
const stringField = fc.constantFrom<RunField>(
  { type: "param", key: "p" },
  { type: "param", key: "q" },
  { type: "tag", key: "t" },
  { type: "attribute", key: "status" },
  { type: "attribute", key: "name" },
);
const op = fc.constantFrom("=", "!=", "<", "<=", ">", ">=" as const);

const leaf: fc.Arbitrary<RunFilter> = fc.oneof(
  fc.record({
    kind: fc.constant("compare" as const),
    field: numericField,
    op,
    value: fc.constantFrom(-1, 0, 0.5, 1, 3, Number.POSITIVE_INFINITY),
  }),
  fc.record({
    kind: fc.constant("compare" as const),
    field: stringField,
    op,
    value: fc.constantFrom(...STRINGS, ...STATUSES),
  }),
  fc.record({
    kind: fc.constant("like" as const),
    field: stringField,
    pattern: fc.constantFrom(...PATTERNS),
    caseInsensitive: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("in" as const),
    field: stringField,
    values: fc.subarray([...STRINGS, ...STATUSES], { minLength: 1 }),
  }),
  fc.record({ kind: fc.constant("isNull" as const), field: fc.oneof(numericField, stringField) }),
);

const filter: fc.Arbitrary<RunFilter> = fc.letrec<{ f: RunFilter }>((tie) => ({
  f: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constant("and" as const), filters: fc.array(tie("f"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("or" as const), filters: fc.array(tie("f"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("not" as const), filter: tie("f") }),
  ),
})).f;

const orderBy: fc.Arbitrary<RunOrder[]> = fc.array(
  fc.record({ field: fc.oneof(numericField, stringField), direction: fc.constantFrom("asc", "desc" as const) }),
  { maxLength: 2 },
);

type RunSpec = typeof runSpec extends fc.Arbitrary<infer T> ? T : never;

async function seed(store: MetadataStore, runs: RunSpec[]): Promise<string> {
  const e = await store.createExperiment({ name: "prop" });
  for (const [i, spec] of runs.entries()) {
    const run = await store.createRun({ experimentId: e.experimentId, name: `n${i % 3}`, startTime: spec.startTime });
    await store.logBatch(run.runId, {
      metrics: Object.entries(spec.metrics).map(([key, value]) => ({ key, value })),
      params: Object.entries(spec.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(spec.tags).map(([key, value]) => ({ key, value })),
    });
    if (spec.status !== "RUNNING") await store.endRun(run.runId, spec.status, { endTime: spec.startTime + i });
    if (spec.deleted) await store.deleteRun(run.runId);
  }
  return e.experimentId;
}

describe("search on SQLite equals the reference engine on memory", () => {
  it("for random data sets, filters and orderings", { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(runSpec, { minLength: 1, maxLength: 10 }),
        fc.array(
          fc.record({
            filter: fc.option(filter, { nil: undefined }),
            orderBy,
            lifecycle: fc.constantFrom("active", "deleted", "all" as const),
          }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        async (runs, queries) => {
          const make = () => ({ clock: new ManualClock(0), ids: createSequentialIdGenerator("id") });
          const memory = createMemoryMetadataStore(make());
          const sqlite = createSqliteMetadataStore({ filename: ":memory:", ...make() });
          try {
            const experimentId = await seed(memory, runs);
            expect(await seed(sqlite, runs)).toBe(experimentId);
            for (const q of queries) {
              const query = {
                experimentIds: [experimentId],
                orderBy: q.orderBy,
                lifecycle: q.lifecycle,
                ...(q.filter ? { filter: q.filter } : {}),
              };
              const expected = (await memory.searchRuns(query)).items.map((r) => r.runId);
              const actual = (await sqlite.searchRuns(query)).items.map((r) => r.runId);
              expect(actual, JSON.stringify(query)).toEqual(expected);
            }
          } finally {
            await memory.stop();
            await sqlite.stop();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
