// The batcher against an obviously correct oracle: every request scored alone.
import { ManualClock, SystemClock } from "@mlstack/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Batcher, fnv1a, routeByKey } from "../src/index.js";

// A model over requests of `rows` values each: doubles every value, and fails a call holding a negative one.
async function model(inputs: number[][]): Promise<number[][]> {
  await Promise.resolve();
  if (inputs.some((xs) => xs.some((x) => x < 0))) throw new Error("negative input");
  return inputs.map((xs) => xs.map((x) => 2 * x));
}
const oracle = (xs: number[]) => (xs.some((x) => x < 0) ? "error" : xs.map((x) => 2 * x));

describe("Batcher", () => {
  it("answers each request as if it ran alone, whatever the batching, and never exceeds maxBatchSize", async () => {
    const request = fc.array(fc.integer({ min: -3, max: 40 }), { minLength: 1, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(0, 1, 3),
        async (requests, maxBatchSize, concurrency, maxLatencyMs) => {
          const batches: number[] = [];
          const batcher = new Batcher<number[], number[]>(
            async (inputs, rows) => {
              const total = rows.reduce((a, b) => a + b, 0);
              batches.push(total);
              return model(inputs);
            },
            {
              maxBatchSize,
              maxLatencyMs,
              maxQueueSize: 1000,
              concurrency,
              clock: new SystemClock(),
              timer: () => performance.now(),
            },
          );
          const settled = await Promise.allSettled(requests.map((xs) => batcher.submit(xs, xs.length)));
          settled.forEach((s, i) => {
            const expected = oracle(requests[i] as number[]);
            if (expected === "error") expect(s.status).toBe("rejected");
            else expect(s.status === "fulfilled" && s.value.output).toEqual(expected);
          });
          // A batch holds whole requests: more than maxBatchSize rows only when one request alone is larger.
          const largest = Math.max(...requests.map((r) => r.length));
          for (const rows of batches) expect(rows).toBeLessThanOrEqual(Math.max(maxBatchSize, largest));
          await batcher.drain();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("waits up to maxLatencyMs of its clock for a batch to fill", async () => {
    const clock = new ManualClock(0);
    let now = 0;
    const calls: number[] = [];
    const batcher = new Batcher<number, number>(
      async (inputs) => {
        calls.push(inputs.length);
        return inputs;
      },
      { maxBatchSize: 4, maxLatencyMs: 10, maxQueueSize: 10, concurrency: 1, clock, timer: () => now },
    );
    const a = batcher.submit(1, 1);
    const b = batcher.submit(2, 1);
    await Promise.resolve();
    expect(calls).toEqual([]);
    now = 10;
    clock.advance(10);
    expect((await Promise.all([a, b])).map((r) => r.output)).toEqual([1, 2]);
    expect(calls).toEqual([2]);
    const full = [1, 2, 3, 4].map((x) => batcher.submit(x, 1));
    expect((await Promise.all(full)).map((r) => r.output)).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual([2, 4]);
  });

  it("refuses past the queue bound and after drain", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number, number>(
      async (inputs) => {
        await gate;
        return inputs;
      },
      {
        maxBatchSize: 1,
        maxLatencyMs: 0,
        maxQueueSize: 2,
        concurrency: 1,
        clock: new SystemClock(),
        timer: () => performance.now(),
      },
    );
    const running = batcher.submit(1, 1);
    const queued = [batcher.submit(2, 1), batcher.submit(3, 1)];
    await expect(batcher.submit(4, 1)).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    release();
    const drained = batcher.drain();
    await expect(batcher.submit(5, 1)).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect((await Promise.all([running, ...queued])).map((r) => r.output)).toEqual([1, 2, 3]);
    await drained;
  });
});

describe("routeByKey", () => {
  it("is sticky and gives each version its weight's share of keys", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.string(), (w, key) => {
        const versions = [
          { weight: w, target: "a" },
          { weight: 100 - w, target: "b" },
        ];
        const pick = routeByKey(versions, key);
        expect(routeByKey(versions, key)).toBe(pick);
        // The oracle: the key's bucket against the first version's weight.
        expect(pick).toBe(fnv1a(key) % 100 < w ? "a" : "b");
      }),
    );
    const versions = [
      { weight: 20, target: "a" },
      { weight: 50, target: "b" },
      { weight: 30, target: "c" },
    ];
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i++) counts[routeByKey(versions, `user-${i}`) as "a"]++;
    expect(counts.a / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.b / 20_000).toBeCloseTo(0.5, 1);
    expect(counts.c / 20_000).toBeCloseTo(0.3, 1);
  });
});
