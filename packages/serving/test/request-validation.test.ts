import { afterEach, describe, expect, it } from "vitest";
import { inferenceRequestSchema } from "../src/index.js";
import { doublingEngines } from "./fixtures/doubling-engines.js";

// predict checks the common request shape by hand and everything else with the schema: whatever the path,
// a request is refused exactly when the schema refuses it (or the signature does), and served otherwise.

const engines = doublingEngines();
afterEach(engines.stop);
const engine = engines.create;

const x = (fields: Record<string, unknown> = {}) => ({
  name: "x",
  datatype: "FP64",
  shape: [1, 2],
  data: [1, 2],
  ...fields,
});

const cases: Array<[string, unknown]> = [
  ["the common shape", { inputs: [x()] }],
  ["a string id", { id: "r1", inputs: [x()] }],
  ["a null id", { id: null, inputs: [x()] }],
  ["a numeric id", { id: 7, inputs: [x()] }],
  ["an unknown field", { inputs: [x()], extra: true }],
  ["request parameters", { parameters: { routing_key: "k" }, inputs: [x()] }],
  ["bad request parameters", { parameters: { routing_key: [1] }, inputs: [x()] }],
  ["null parameters", { parameters: null, inputs: [x({ parameters: null })] }],
  ["input parameters", { inputs: [x({ parameters: { a: 1 } })] }],
  ["requested outputs", { inputs: [x()], outputs: [{ name: "y" }] }],
  ["malformed outputs", { inputs: [x()], outputs: [{}] }],
  ["no inputs", { inputs: [] }],
  ["inputs not an array", { inputs: x() }],
  ["an array request", [x()]],
  ["a null request", null],
  ["an input that is an array", { inputs: [[1, 2]] }],
  ["a numeric input name", { inputs: [x({ name: 1 })] }],
  ["a missing datatype", { inputs: [x({ datatype: undefined })] }],
  ["data not an array", { inputs: [x({ data: "1,2" })] }],
  ["a fractional dimension", { inputs: [x({ shape: [1.5, 2] })] }],
  ["a negative dimension", { inputs: [x({ shape: [-1, 2] })] }],
  ["a string dimension", { inputs: [x({ shape: ["1", 2] })] }],
  ["an unsafe dimension", { inputs: [x({ shape: [2 ** 53, 2] })] }],
  ["shape not an array", { inputs: [x({ shape: 2 })] }],
];

describe("predict: request validation", () => {
  it.each(cases)("agrees with the schema on %s", async (_, request) => {
    const e = await engine();
    const schemaAccepts = inferenceRequestSchema.safeParse(request).success;
    const result = await e.predict("m", request as never).then(
      (r) => ({ ok: true as const, r }),
      (error: { code?: string; message?: string }) => ({ ok: false as const, error }),
    );
    if (!schemaAccepts) {
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.error).toMatchObject({
          code: "INVALID_ARGUMENT",
          message: expect.stringContaining("inference request"),
        });
      return;
    }
    // Accepted by the schema: served, unless the signature (a different check) refuses it.
    if (result.ok) expect(result.r.outputs.map((o) => o.name)).toContain("y");
    else expect(result.error.message).not.toContain("inference request");
  });

  it("serves the common shape with the caller's id and the deployment's outputs", async () => {
    const e = await engine();
    const r = await e.predict("m", { id: "abc", inputs: [x()] });
    expect(r).toMatchObject({ id: "abc", model_name: "m" });
    expect(r.outputs.find((o) => o.name === "y")).toMatchObject({ shape: [1, 2], data: [2, 4] });
  });
});
