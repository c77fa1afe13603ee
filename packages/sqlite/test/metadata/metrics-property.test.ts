import { ManualClock } from "@mlstack/core";
import type { MetadataStore, MetricPoint } from "@mlstack/metadata";
import { createMemoryMetadataStore } from "@mlstack/metadata";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSqliteMetadataStore } from "../../src/metadata/index.js";

const VALUES = [0, 1, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const point = fc.record({
  key: fc.constantFrom("a", "b"),
  value: fc.constantFrom(...VALUES),
  step: fc.integer({ min: 0, max: 3 }),
  timestamp: fc.integer({ min: 0, max: 3 }),
});

// The obviously correct model: a set of distinct points (NaN equal to NaN), sorted; the latest is the maximum.
const rank = (v: number) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v);
const cmp = (x: MetricPoint, y: MetricPoint) =>
  x.step - y.step ||
  x.timestamp - y.timestamp ||
  (Number.isNaN(x.value)
    ? Number.isNaN(y.value)
      ? 0
      : 1
    : Number.isNaN(y.value)
      ? -1
      : rank(x.value) - rank(y.value));

function oracle(points: MetricPoint[], key: string): { history: MetricPoint[]; latest: MetricPoint | undefined } {
  const distinct = new Map<string, MetricPoint>();
  for (const p of points) if (p.key === key) distinct.set(`${p.step}|${p.timestamp}|${p.value}`, p);
  const history = [...distinct.values()].sort(cmp);
  return {
    history,
    latest: history.reduce<MetricPoint | undefined>((best, p) => (!best || cmp(p, best) > 0 ? p : best), undefined),
  };
}

describe("metric history and latest value match a brute-force model", () => {
  it("on memory and SQLite, for random batches with duplicates, NaN and infinities", { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(point, { maxLength: 12 }), { minLength: 1, maxLength: 5 }),
        async (batches) => {
          const stores: MetadataStore[] = [
            createMemoryMetadataStore({ clock: new ManualClock(0) }),
            createSqliteMetadataStore({ filename: ":memory:", clock: new ManualClock(0) }),
          ];
          try {
            for (const store of stores) {
              const e = await store.createExperiment({ name: "m" });
              const run = await store.createRun({ experimentId: e.experimentId });
              for (const metrics of batches) await store.logBatch(run.runId, { metrics });
              const logged = await store.getRun(run.runId);
              for (const key of ["a", "b"]) {
                const expected = oracle(batches.flat(), key);
                expect(await store.getMetricHistory(run.runId, key)).toEqual(expected.history);
                expect(logged.metrics[key]).toEqual(expected.latest);
              }
            }
          } finally {
            for (const store of stores) await store.stop?.();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
