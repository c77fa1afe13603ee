import { describe, expect, it } from "vitest";
import { oip } from "./spec-paths.js";

describe("OIP validator (built from the shared spec)", () => {
  it("accepts the spec's own response example and rejects broken bodies", () => {
    oip.validate("inference_response", {
      model_name: "m",
      id: "42",
      outputs: [{ name: "output0", shape: [3, 2], datatype: "FP32", data: [1, 1.1, 2, 2.1, 3, 3.1] }],
    });
    expect(() => oip.validate("inference_response", { outputs: [] })).toThrow(/model_name/);
    expect(() =>
      oip.validate("inference_response", {
        model_name: "m",
        outputs: [{ name: "y", shape: [1], datatype: "FP32", data: [null] }],
      }),
    ).toThrow();
    expect(() => oip.validate("inference_response", { model_name: "m", outputs: [], parameters: null })).toThrow();
    expect(() => oip.validate("metadata_model_response", { name: "m" })).toThrow(/platform/);
    // The spec does not require `error` in an error body; the prose does, and so do we.
    expect(() => oip.validate("inference_error_response", {})).toThrow(/error/);
    expect(() => oip.validateResponse("GET", "/v2/health/ready", 503, { ready: false })).toThrow(/error/);
  });
});
