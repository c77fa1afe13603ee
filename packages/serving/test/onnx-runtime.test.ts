import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMlstackError, MemoryArtifactStore } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { createServingEngine, type Signature } from "../src/index.js";
import { B, W } from "./fixtures/make-onnx-fixture.js";
import { oip } from "./spec-paths.js";

const bytes = readFileSync(fileURLToPath(new URL("./fixtures/linear.onnx", import.meta.url)));
const signature: Signature = {
  inputs: [{ name: "x", datatype: "FP32", shape: [-1, 3] }],
  outputs: [
    { name: "y", datatype: "FP32", shape: [-1, 2] },
    { name: "label", datatype: "INT64", shape: [-1] },
  ],
};

describe("onnx runtime (onnxruntime-node, committed fixture)", () => {
  it("serves the fixture model, batched, with float and int64 outputs", async () => {
    const artifacts = new MemoryArtifactStore();
    const model = await artifacts.put(bytes);
    await using engine = createServingEngine({ artifacts });
    await engine.deploy({
      name: "lin",
      runtime: "onnx",
      signature,
      model,
      batching: { maxBatchSize: 32, maxLatencyMs: 5 },
    });
    const rows = Array.from({ length: 10 }, (_, i) => [i / 3, 1 - i, (i % 4) * 0.5]);
    const responses = await Promise.all(
      rows.map((row) => engine.predict("lin", { inputs: [{ name: "x", datatype: "FP32", shape: [1, 3], data: row }] })),
    );
    for (const [i, r] of responses.entries()) {
      oip.validate("inference_response", r);
      const row = rows[i] as number[];
      const expected = [0, 1].map((j) => row.reduce((s, x, k) => s + x * (W[k]?.[j] as number), B[j] as number));
      const y = r.outputs.find((o) => o.name === "y");
      expect(y?.shape).toEqual([1, 2]);
      for (const [j, v] of ((y?.data ?? []) as number[]).entries()) expect(v).toBeCloseTo(expected[j] as number, 5);
      expect(r.outputs.find((o) => o.name === "label")).toEqual({
        name: "label",
        shape: [1],
        datatype: "INT64",
        data: [(expected[0] as number) >= (expected[1] as number) ? 0 : 1],
      });
    }
    expect((await engine.modelMetadata("lin")).platform).toBe("onnx_onnxv1");
  });

  it("refuses a signature the model does not have, and bytes that are not a model", async () => {
    const artifacts = new MemoryArtifactStore();
    const model = await artifacts.put(bytes);
    const junk = await artifacts.put(new TextEncoder().encode("not onnx"));
    await using engine = createServingEngine({ artifacts });
    const wrong = { ...signature, outputs: [{ name: "z", datatype: "FP32" as const, shape: [-1, 2] }] };
    for (const spec of [
      { name: "a", runtime: "onnx", signature: wrong, model },
      { name: "b", runtime: "onnx", signature, model: junk },
    ]) {
      const error = await engine.deploy(spec).catch((e: unknown) => e);
      expect(isMlstackError(error, "INVALID_ARGUMENT")).toBe(true);
    }
    expect(await engine.list()).toEqual([]);
  });
});
