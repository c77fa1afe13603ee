import type { ProgressEvent } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestStack } from "../src/index.js";

describe("stack progress", () => {
  it("re-emits the bricks' progress with the brick's path in the task", async () => {
    await using stack = await createTestStack();
    const seen: ProgressEvent[] = [];
    stack.events.on("progress", (e) => seen.push(e));
    await stack.data.createRepo("r");
    const rows = Array.from({ length: 40 }, (_, i) => ({ x: i / 40, y: i % 2 }));
    const schema = z.object({ x: z.number(), y: z.number() });
    const { commit } = await stack.data.commitTable("r", "main", "t.jsonl", schema, rows, { message: "t" });
    await stack.train({
      trainer: { name: "mlstack.linear", version: "1" },
      params: { task: "binary-classification", features: ["x"], label: "y", epochs: 2, batchSize: 8 },
      inputs: [await stack.data.fileRef("r", commit.id, "t.jsonl")],
      seed: 1,
    });
    await stack.features.apply({
      entities: [{ name: "e", joinKeys: [{ name: "id", type: "int64" }] }],
      featureViews: [{ name: "v", entities: ["e"], schema: { fields: [{ name: "x", type: "float64" }] } }],
    });
    await stack.features.ingest("v", [{ id: 1, event_timestamp: 0, x: 1 }]);
    const tasks = new Set(seen.map((e) => e.task.split(":")[0]));
    expect(tasks).toEqual(new Set(["training", "features"]));
    expect(seen.every((e) => /^(training|features):./.test(e.task))).toBe(true);
  });
});
