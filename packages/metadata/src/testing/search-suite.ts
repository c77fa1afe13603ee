import { describe, expect, it } from "vitest";
import type { MetadataStore, RunField, RunFilter, SearchRunsInput } from "../spec.js";
import type { Fixture } from "./harness.js";
import { expectCode } from "./harness.js";

const metric = (key: string) => ({ type: "metric", key }) as const;
const param = (key: string) => ({ type: "param", key }) as const;
const tag = (key: string) => ({ type: "tag", key }) as const;
const attr = (key: "runId" | "name" | "status" | "startTime" | "endTime") => ({ type: "attribute", key }) as const;

interface Seeded {
  store: MetadataStore;
  a: string;
  b: string;
  ids: Record<string, string>;
}

/**
 * The search data set: runs r1..r7 live in experiment A (start times 100..650), r8 in A is deleted,
 * r9 is in experiment B. Metrics include NaN and ±Infinity, and some keys are missing on purpose.
 */
async function seed(store: MetadataStore): Promise<Seeded> {
  const a = (await store.createExperiment({ name: "A" })).experimentId;
  const b = (await store.createExperiment({ name: "B" })).experimentId;
  const ids: Record<string, string> = {};
  const add = async (
    name: string,
    experimentId: string,
    startTime: number,
    metrics: Array<[string, number, number?, number?]>,
    params: Record<string, string>,
    tags: Record<string, string>,
  ) => {
    const run = await store.createRun({ experimentId, name, startTime });
    ids[name] = run.runId;
    await store.logBatch(run.runId, {
      metrics: metrics.map(([key, value, step, timestamp]) => ({
        key,
        value,
        step: step ?? 0,
        timestamp: timestamp ?? 1,
      })),
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    return run.runId;
  };
  const r1 = await add(
    "r1",
    a,
    100,
    [
      ["acc", 0.5],
      ["acc", 0.9, 1],
      ["loss", 0.3],
    ],
    { lr: "0.01", model: "cnn" },
    { team: "a" },
  );
  const r2 = await add(
    "r2",
    a,
    200,
    [
      ["acc", 0.85, 2, 5],
      ["acc", 0.8, 2, 6],
      ["loss", 0.2],
    ],
    { lr: "0.1", model: "rnn" },
    { team: "b" },
  );
  const r3 = await add(
    "r3",
    a,
    300,
    [
      ["acc", Number.NaN],
      ["loss", 0.5],
    ],
    { lr: "0.01", model: "cnn" },
    {},
  );
  await add("r4", a, 400, [["acc", 0.95]], { lr: "0.001", model: "Transformer" }, { team: "a" });
  await add("r5", a, 500, [], { lr: "1" }, { team: "c" });
  const r6 = await add(
    "r6",
    a,
    600,
    [
      ["acc", Number.POSITIVE_INFINITY],
      ["loss", Number.NEGATIVE_INFINITY],
    ],
    { model: "cnn-large" },
    { team: "B" },
  );
  const r7 = await add(
    "r7",
    a,
    650,
    [
      ["acc", 0.8],
      ["loss", 0.4],
    ],
    { lr: "0.1", model: "rnn" },
    { team: "a" },
  );
  const r8 = await add("r8", a, 700, [["acc", 0.99]], { lr: "0.01", model: "cnn" }, { team: "a" });
  await add("r9", b, 800, [["acc", 0.5]], { model: "cnn" }, { team: "a" });
  await store.endRun(r1, "FINISHED", { endTime: 200 });
  await store.endRun(r2, "FINISHED", { endTime: 300 });
  await store.endRun(r3, "FAILED", { endTime: 350 });
  await store.endRun(r6, "KILLED", { endTime: 650 });
  await store.endRun(r7, "FINISHED", { endTime: 700 });
  await store.deleteRun(r8);
  return { store, a, b, ids };
}

type Case = [label: string, query: (s: Seeded) => SearchRunsInput, expected: string[]];
const f = (filter: RunFilter) => (s: Seeded) => ({ experimentIds: [s.a], filter });
const cmp = (field: RunField, op: "=" | "!=" | "<" | "<=" | ">" | ">=", value: number | string) =>
  ({ kind: "compare", field, op, value }) as const;

/** The table of queries: each with the run names it must return, in order, on every backend. */
const CASES: Case[] = [
  ["no filter: start time descending", (s) => ({ experimentIds: [s.a] }), ["r7", "r6", "r5", "r4", "r3", "r2", "r1"]],
  ["metric >", f(cmp(metric("acc"), ">", 0.85)), ["r6", "r4", "r1"]],
  ["metric <=, NaN and missing never match", f(cmp(metric("acc"), "<=", 0.9)), ["r7", "r2", "r1"]],
  ["metric != skips NaN and missing", f(cmp(metric("acc"), "!=", 0.8)), ["r6", "r4", "r1"]],
  ["metric = -Infinity", f(cmp(metric("loss"), "=", Number.NEGATIVE_INFINITY)), ["r6"]],
  ["not of a comparison", f({ kind: "not", filter: cmp(metric("acc"), ">", 0.85) }), ["r7", "r5", "r3", "r2"]],
  ["param =", f(cmp(param("lr"), "=", "0.01")), ["r3", "r1"]],
  ["param < compares strings", f(cmp(param("lr"), "<", "0.1")), ["r4", "r3", "r1"]],
  [
    "or of tags",
    f({ kind: "or", filters: [cmp(tag("team"), "=", "a"), cmp(tag("team"), "=", "b")] }),
    ["r7", "r4", "r2", "r1"],
  ],
  ["ilike folds case", f({ kind: "like", field: tag("team"), pattern: "b", caseInsensitive: true }), ["r6", "r2"]],
  ["like with %", f({ kind: "like", field: param("model"), pattern: "cnn%" }), ["r6", "r3", "r1"]],
  ["like with _", f({ kind: "like", field: param("model"), pattern: "_nn" }), ["r7", "r3", "r2", "r1"]],
  ["like is case-sensitive", f({ kind: "like", field: param("model"), pattern: "transformer" }), []],
  ["tag is null", f({ kind: "isNull", field: tag("team") }), ["r3"]],
  [
    "a key named like an Object.prototype member is absent",
    f({ kind: "isNull", field: param("constructor") }),
    ["r7", "r6", "r5", "r4", "r3", "r2", "r1"],
  ],
  ["metric is null", f({ kind: "isNull", field: metric("loss") }), ["r5", "r4"]],
  [
    "a NaN metric is not null",
    f({ kind: "not", filter: { kind: "isNull", field: metric("acc") } }),
    ["r7", "r6", "r4", "r3", "r2", "r1"],
  ],
  ["status =", f(cmp(attr("status"), "=", "FINISHED")), ["r7", "r2", "r1"]],
  ["status in", f({ kind: "in", field: attr("status"), values: ["FAILED", "KILLED"] }), ["r6", "r3"]],
  ["end time is null", f({ kind: "isNull", field: attr("endTime") }), ["r5", "r4"]],
  ["end time >=", f(cmp(attr("endTime"), ">=", 300)), ["r7", "r6", "r3", "r2"]],
  ["start time <", f(cmp(attr("startTime"), "<", 300)), ["r2", "r1"]],
  [
    "run id in",
    (s) => ({
      experimentIds: [s.a],
      filter: { kind: "in", field: attr("runId"), values: [s.ids.r2 as string, s.ids.r5 as string, "x"] },
    }),
    ["r5", "r2"],
  ],
  ["name like", f({ kind: "like", field: attr("name"), pattern: "r%" }), ["r7", "r6", "r5", "r4", "r3", "r2", "r1"]],
  [
    "and of metric and param",
    f({ kind: "and", filters: [cmp(metric("loss"), "<", 0.45), cmp(param("model"), "!=", "rnn")] }),
    ["r6", "r1"],
  ],
  [
    "not of a param comparison includes runs without it",
    f({ kind: "not", filter: cmp(param("model"), "=", "rnn") }),
    ["r6", "r5", "r4", "r3", "r1"],
  ],
  [
    "order by metric desc: NaN, then missing, last",
    (s) => ({ experimentIds: [s.a], orderBy: [{ field: metric("acc"), direction: "desc" }] }),
    ["r6", "r4", "r1", "r7", "r2", "r3", "r5"],
  ],
  [
    "order by metric asc: NaN, then missing, last",
    (s) => ({ experimentIds: [s.a], orderBy: [{ field: metric("acc") }] }),
    ["r7", "r2", "r1", "r4", "r6", "r3", "r5"],
  ],
  [
    "order by param by code point",
    (s) => ({ experimentIds: [s.a], orderBy: [{ field: param("model") }] }),
    ["r4", "r3", "r1", "r6", "r7", "r2", "r5"],
  ],
  [
    "filter and order",
    (s) => ({ experimentIds: [s.a], filter: cmp(tag("team"), "=", "a"), orderBy: [{ field: metric("loss") }] }),
    ["r1", "r7", "r4"],
  ],
  [
    "order by end time desc, nulls last",
    (s) => ({ experimentIds: [s.a], orderBy: [{ field: attr("endTime"), direction: "desc" }] }),
    ["r7", "r6", "r3", "r2", "r1", "r5", "r4"],
  ],
  [
    "two order keys",
    (s) => ({ experimentIds: [s.a], orderBy: [{ field: attr("status") }, { field: attr("name"), direction: "desc" }] }),
    ["r3", "r7", "r2", "r1", "r6", "r5", "r4"],
  ],
  ["deleted runs", (s) => ({ experimentIds: [s.a], lifecycle: "deleted" }), ["r8"]],
  [
    "all lifecycles",
    (s) => ({ experimentIds: [s.a], lifecycle: "all" }),
    ["r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1"],
  ],
  [
    "two experiments",
    (s) => ({ experimentIds: [s.a, s.b], filter: cmp(tag("team"), "=", "a") }),
    ["r9", "r7", "r4", "r1"],
  ],
];

/** Run search: the same runs in the same order on every backend, stable paging, typed filters. */
export function searchSuite(setup: () => Promise<Fixture>): void {
  describe("search", () => {
    it("answers the query table with the expected runs in order", async () => {
      const { store } = await setup();
      const s = await seed(store);
      const byId = Object.fromEntries(Object.entries(s.ids).map(([name, id]) => [id, name]));
      for (const [label, query, expected] of CASES) {
        const page = await store.searchRuns(query(s));
        expect(
          page.items.map((r) => byId[r.runId]),
          label,
        ).toEqual(expected);
      }
    });

    it("returns full runs with their latest metrics", async () => {
      const { store } = await setup();
      const s = await seed(store);
      const page = await store.searchRuns({ experimentIds: [s.a], filter: cmp(attr("name"), "=", "r2") });
      expect(page.items[0]).toMatchObject({
        name: "r2",
        status: "FINISHED",
        params: { lr: "0.1", model: "rnn" },
        tags: { team: "b" },
        metrics: { acc: { key: "acc", value: 0.8, step: 2, timestamp: 6 }, loss: { value: 0.2 } },
      });
    });

    it("pages stably through every result exactly once", async () => {
      const { store } = await setup();
      const s = await seed(store);
      for (const query of [
        { experimentIds: [s.a], lifecycle: "all" as const },
        { experimentIds: [s.a], orderBy: [{ field: metric("acc"), direction: "desc" as const }] },
      ]) {
        const all = (await store.searchRuns(query)).items.map((r) => r.runId);
        const paged: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.searchRuns({ ...query, pageSize: 3, ...(token ? { pageToken: token } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(3);
          paged.push(...page.items.map((r) => r.runId));
          token = page.nextPageToken;
        } while (token);
        expect(paged).toEqual(all);
      }
    });

    it("breaks start-time ties by run id", async () => {
      const { store } = await setup();
      const e = await store.createExperiment({ name: "ties" });
      const runs = [];
      for (let i = 0; i < 4; i++) runs.push(await store.createRun({ experimentId: e.experimentId, startTime: 7 }));
      const page = await store.searchRuns({ experimentIds: [e.experimentId] });
      expect(page.items.map((r) => r.runId)).toEqual(runs.map((r) => r.runId).sort());
    });

    it("refuses ill-typed filters, foreign page tokens and empty experiment lists", async () => {
      const { store } = await setup();
      const s = await seed(store);
      const bad: unknown[] = [
        { experimentIds: [] },
        { experimentIds: [s.a], filter: cmp(metric("acc"), ">", "0.5") },
        { experimentIds: [s.a], filter: cmp(param("lr"), "=", 0.1 as unknown as string) },
        { experimentIds: [s.a], filter: { kind: "like", field: metric("acc"), pattern: "1%" } },
        { experimentIds: [s.a], filter: { kind: "xor", filters: [] } },
        { experimentIds: [s.a], filter: cmp(metric("acc"), ">", Number.NaN) },
        { experimentIds: [s.a], pageSize: 0 },
        { experimentIds: [s.a], pageToken: "garbage" },
      ];
      for (const q of bad) await expectCode(store.searchRuns(q as SearchRunsInput), "INVALID_ARGUMENT");
      const first = await store.searchRuns({ experimentIds: [s.a], pageSize: 2 });
      await expectCode(
        store.searchRuns({ experimentIds: [s.b], pageSize: 2, pageToken: first.nextPageToken as string }),
        "INVALID_ARGUMENT",
      );
    });
  });
}
