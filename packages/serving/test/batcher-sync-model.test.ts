// A model answering synchronously (no promise) takes the batcher's shortcut: same answers, errors and reports.
import { SystemClock } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { Batcher, type ExecutionReport } from "../src/index.js";

function syncBatcher(options: { maxBatchSize: number; maxLatencyMs: number }) {
  const reports: ExecutionReport[] = [];
  const batcher = new Batcher<number, number>(
    (inputs) => {
      if (inputs.some((x) => x < 0)) throw new Error("negative input");
      return inputs.map((x) => 2 * x);
    },
    { ...options, maxQueueSize: 100, concurrency: 1, clock: new SystemClock(), timer: () => performance.now() },
    (report) => reports.push(report),
  );
  return { batcher, reports };
}

describe("Batcher over a synchronous model", () => {
  it("answers directly, reports each call, and frees its slot at once", async () => {
    const { batcher, reports } = syncBatcher({ maxBatchSize: 1, maxLatencyMs: 0 });
    await expect(batcher.submit(3, 1)).resolves.toMatchObject({ output: 6, queueMs: 0 });
    const results = await Promise.all([1, 2, 3].map((x) => batcher.submit(x, 1)));
    expect(results.map((r) => r.output)).toEqual([2, 4, 6]);
    expect(reports.map((r) => [r.rows, r.ok])).toEqual([
      [1, true],
      [1, true],
      [1, true],
      [1, true],
    ]);
    await batcher.drain();
  });

  it("turns a thrown error into a rejection with an MlstackError and a failed report", async () => {
    const { batcher, reports } = syncBatcher({ maxBatchSize: 1, maxLatencyMs: 0 });
    await expect(batcher.submit(-1, 1)).rejects.toMatchObject({ name: "MlstackError" });
    expect(reports).toMatchObject([{ rows: 1, ok: false }]);
    // The failure released the slot: the next request runs.
    await expect(batcher.submit(2, 1)).resolves.toMatchObject({ output: 4 });
    await batcher.drain();
  });

  it("batches queued requests and isolates a failing one", async () => {
    const { batcher } = syncBatcher({ maxBatchSize: 4, maxLatencyMs: 5 });
    const settled = await Promise.allSettled([1, -1, 3].map((x) => batcher.submit(x, 1)));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(settled.flatMap((s) => (s.status === "fulfilled" ? [s.value.output] : []))).toEqual([2, 6]);
    await batcher.drain();
  });
});
