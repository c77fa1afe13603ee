// Run search compiled to Postgres SQL against the reference engine on memory: random runs (NaN,
// infinities, absent keys, non-ASCII and regex-special strings) and random filters and orderings.
import { createSequentialIdGenerator, ManualClock } from "@mlstack/core";
import type { MetadataStore, RunField, RunFilter, RunOrder } from "@mlstack/metadata";
import { createMemoryMetadataStore } from "@mlstack/metadata";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresMetadataStore } from "../../src/index.js";
import { postgresAvailable, testPool } from "../postgres-env.js";

const NUMBERS = [0, -0, 1, -1, 0.5, 1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const STRINGS = ["", "a", "A", "Ab", "b", "Z", "é", "É", "😀", "\uffff", "ß", "a.b", "a\nb", "[x]", "10", "%_"];
const PATTERNS = ["%", "a%", "%b", "_", "é%", "%😀", "A%", "__", "a.b", "[%", "a_b", "%\\%", "^a", "a$"];

const field = (type: "metric" | "param" | "tag", keys: string[]) => keys.map((key): RunField => ({ type, key }));
const NUMERIC: RunField[] = [
  ...field("metric", ["a", "b"]),
  { type: "attribute", key: "startTime" },
  { type: "attribute", key: "endTime" },
];
const TEXT: RunField[] = [
  ...field("param", ["p"]),
  ...field("tag", ["t"]),
  { type: "attribute", key: "name" },
  { type: "attribute", key: "status" },
];
const op = fc.constantFrom("=", "!=", "<", "<=", ">", ">=" as const);

const leaf: fc.Arbitrary<RunFilter> = fc.oneof(
  fc.record({
    kind: fc.constant("compare" as const),
    field: fc.constantFrom(...NUMERIC),
    op,
    value: fc.constantFrom(-1, 0, 0.5, 1, 2, Number.POSITIVE_INFINITY),
  }),
  fc.record({
    kind: fc.constant("compare" as const),
    field: fc.constantFrom(...TEXT),
    op,
    value: fc.constantFrom(...STRINGS),
  }),
  fc.record({
    kind: fc.constant("like" as const),
    field: fc.constantFrom(...TEXT),
    pattern: fc.constantFrom(...PATTERNS),
    caseInsensitive: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("in" as const),
    field: fc.constantFrom(...TEXT),
    values: fc.subarray([...STRINGS, "FINISHED"], { minLength: 1 }),
  }),
  fc.record({ kind: fc.constant("isNull" as const), field: fc.constantFrom(...TEXT, ...NUMERIC) }),
);
const filter = fc.letrec<{ f: RunFilter }>((tie) => ({
  f: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constant("and" as const), filters: fc.array(tie("f"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("or" as const), filters: fc.array(tie("f"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("not" as const), filter: tie("f") }),
  ),
})).f;
const orderBy: fc.Arbitrary<RunOrder[]> = fc.array(
  fc.record({ field: fc.constantFrom(...NUMERIC, ...TEXT), direction: fc.constantFrom("asc", "desc" as const) }),
  { maxLength: 2 },
);
const runSpec = fc.record({
  name: fc.constantFrom(...STRINGS.filter((s) => s !== "")),
  startTime: fc.integer({ min: 0, max: 3 }),
  ended: fc.boolean(),
  deleted: fc.boolean(),
  metrics: fc.dictionary(fc.constantFrom("a", "b"), fc.constantFrom(...NUMBERS)),
  params: fc.dictionary(fc.constantFrom("p"), fc.constantFrom(...STRINGS)),
  tags: fc.dictionary(fc.constantFrom("t"), fc.constantFrom(...STRINGS)),
});
type RunSpec = typeof runSpec extends fc.Arbitrary<infer T> ? T : never;

async function seed(store: MetadataStore, runs: RunSpec[]): Promise<string> {
  const e = await store.createExperiment({ name: "prop" });
  for (const [i, spec] of runs.entries()) {
    const run = await store.createRun({ experimentId: e.experimentId, name: spec.name, startTime: spec.startTime });
    const pairs = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));
    await store.logBatch(run.runId, {
      metrics: Object.entries(spec.metrics).map(([key, value]) => ({ key, value })),
      params: pairs(spec.params),
      tags: pairs(spec.tags),
    });
    if (spec.ended) await store.endRun(run.runId, "FINISHED", { endTime: spec.startTime + i });
    if (spec.deleted) await store.deleteRun(run.runId);
  }
  return e.experimentId;
}

describe.skipIf(!postgresAvailable)("search on Postgres equals the reference engine on memory", () => {
  const server = testPool();
  afterAll(() => server.cleanup());

  it("for random data sets, filters and orderings", { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(runSpec, { minLength: 1, maxLength: 8 }),
        fc.array(
          fc.record({
            filter: fc.option(filter, { nil: undefined }),
            orderBy,
            lifecycle: fc.constantFrom("active", "deleted", "all" as const),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        async (runs, queries) => {
          const make = () => ({ clock: new ManualClock(0), ids: createSequentialIdGenerator("id") });
          const memory = createMemoryMetadataStore(make());
          const postgres = await createPostgresMetadataStore({ pool: server.pool, schema: server.schema(), ...make() });
          try {
            const experimentId = await seed(memory, runs);
            expect(await seed(postgres, runs)).toBe(experimentId);
            for (const q of queries) {
              const query = {
                experimentIds: [experimentId],
                orderBy: q.orderBy,
                lifecycle: q.lifecycle,
                ...(q.filter ? { filter: q.filter } : {}),
              };
              const expected = (await memory.searchRuns(query)).items;
              const actual = (await postgres.searchRuns(query)).items;
              expect(actual, JSON.stringify(query)).toEqual(expected);
            }
          } finally {
            await memory.stop();
            await postgres.stop();
          }
        },
      ),
      // Each run migrates a fresh schema (DDL): 60 runs take 5-10 s beside the other test files.
      { numRuns: 60 },
    );
  });

  it("keeps NaN and ±Infinity metrics exactly, in the latest values and the history", async () => {
    const store = await createPostgresMetadataStore({ pool: server.pool, schema: server.schema() });
    try {
      const e = await store.createExperiment({ name: "values" });
      const run = await store.createRun({ experimentId: e.experimentId });
      const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-300, -2.5];
      await store.logBatch(run.runId, {
        metrics: values.flatMap((value, step) => [
          { key: "x", value, step, timestamp: 1 },
          { key: `k${step}`, value, step, timestamp: 1 },
        ]),
      });
      // Logged twice: an exact duplicate (NaN included) is stored once.
      await store.logBatch(run.runId, { metrics: [{ key: "x", value: Number.NaN, step: 0, timestamp: 1 }] });
      expect((await store.getMetricHistory(run.runId, "x")).map((p) => p.value)).toEqual(values);
      const latest = (await store.getRun(run.runId)).metrics;
      expect(values.map((_, i) => latest[`k${i}`]?.value)).toEqual(values);
    } finally {
      await store.stop();
    }
  });
});
