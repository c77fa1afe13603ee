import { isMlstackError, ManualClock } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import type { RunFilter } from "../src/index.js";
import { createMemoryMetadataStore, parseRunFilter } from "../src/index.js";

const metric = (key: string) => ({ type: "metric", key }) as const;
const param = (key: string) => ({ type: "param", key }) as const;
const tag = (key: string) => ({ type: "tag", key }) as const;

const CASES: Array<[string, RunFilter]> = [
  ["metrics.acc > 0.9", { kind: "compare", field: metric("acc"), op: ">", value: 0.9 }],
  ["metric.train.loss <= -1e-3", { kind: "compare", field: metric("train.loss"), op: "<=", value: -0.001 }],
  ["params.lr = '0.1'", { kind: "compare", field: param("lr"), op: "=", value: "0.1" }],
  ['tags."x" != "it\'s"', { kind: "compare", field: tag("x"), op: "!=", value: "it's" }],
  ["tags.`my key` <> 'a''b'", { kind: "compare", field: tag("my key"), op: "!=", value: "a'b" }],
  ["status = 'FINISHED'", { kind: "compare", field: { type: "attribute", key: "status" }, op: "=", value: "FINISHED" }],
  [
    "attributes.start_time >= 100",
    { kind: "compare", field: { type: "attribute", key: "startTime" }, op: ">=", value: 100 },
  ],
  ["run_name LIKE 'lr-%'", { kind: "like", field: { type: "attribute", key: "name" }, pattern: "lr-%" }],
  ["tags.team ilike 'ML%'", { kind: "like", field: tag("team"), pattern: "ML%", caseInsensitive: true }],
  ["params.m NOT LIKE 'cnn%'", { kind: "not", filter: { kind: "like", field: param("m"), pattern: "cnn%" } }],
  ["attributes.run_id IN ('a', 'b')", { kind: "in", field: { type: "attribute", key: "runId" }, values: ["a", "b"] }],
  ["params.m not in ('x')", { kind: "not", filter: { kind: "in", field: param("m"), values: ["x"] } }],
  ["end_time IS NULL", { kind: "isNull", field: { type: "attribute", key: "endTime" } }],
  ["metrics.loss is not null", { kind: "not", filter: { kind: "isNull", field: metric("loss") } }],
  [
    "metrics.a > 1 AND metrics.b < 2 OR NOT (params.p = 'x' OR tags.t = 'y')",
    {
      kind: "or",
      filters: [
        {
          kind: "and",
          filters: [
            { kind: "compare", field: metric("a"), op: ">", value: 1 },
            { kind: "compare", field: metric("b"), op: "<", value: 2 },
          ],
        },
        {
          kind: "not",
          filter: {
            kind: "or",
            filters: [
              { kind: "compare", field: param("p"), op: "=", value: "x" },
              { kind: "compare", field: tag("t"), op: "=", value: "y" },
            ],
          },
        },
      ],
    },
  ],
];

describe("parseRunFilter (MLflow filter syntax, plus OR, NOT and parentheses)", () => {
  it.each(CASES)("parses %s", (text, expected) => {
    expect(parseRunFilter(text)).toEqual(expected);
  });

  it.each([
    "",
    "metrics.acc >",
    "metrics.acc > 0.9 AND",
    "foo = 'x'",
    "params.lr = 'unterminated",
    "(metrics.a > 1",
    "metrics.a > 1)",
    "params.p IN (1, 2)",
    "params.p LIKE 3",
    "metrics.a ! 1",
    "metrics. = 1",
  ])("refuses %j with INVALID_ARGUMENT", (text) => {
    try {
      parseRunFilter(text);
      expect.fail("expected INVALID_ARGUMENT");
    } catch (error) {
      expect(isMlstackError(error, "INVALID_ARGUMENT")).toBe(true);
    }
  });

  it("feeds searchRuns, which checks value types", async () => {
    const store = createMemoryMetadataStore({ clock: new ManualClock(0) });
    const e = await store.createExperiment({ name: "e" });
    for (const [name, acc, model] of [
      ["a", 0.95, "cnn"],
      ["b", 0.7, "cnn"],
      ["c", 0.99, "rnn"],
    ] as const) {
      const run = await store.createRun({ experimentId: e.experimentId, name });
      await store.logBatch(run.runId, {
        metrics: [{ key: "acc", value: acc }],
        params: [{ key: "model", value: model }],
      });
    }
    const names = async (text: string) =>
      (
        await store.searchRuns({
          experimentIds: [e.experimentId],
          filter: parseRunFilter(text),
          orderBy: [{ field: { type: "attribute", key: "name" } }],
        })
      ).items.map((r) => r.name);
    expect(await names("metrics.acc > 0.9 AND params.model = 'cnn' OR run_name = 'b'")).toEqual(["a", "b"]);
    expect(await names("NOT params.model IN ('cnn')")).toEqual(["c"]);
    await expect(names("metrics.acc > '0.9'")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
