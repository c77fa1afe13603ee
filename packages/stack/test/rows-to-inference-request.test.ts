import type { Signature } from "@mlstack/serving";
import { describe, expect, it } from "vitest";
import { deriveServingSignature, rowsToInferenceRequest } from "../src/index.js";

const rows = [
  { a: 1, b: true, c: "x", d: 10n },
  { a: 2.5, b: false, c: "y", d: 20n },
];

describe("deriveServingSignature", () => {
  it("packs numeric input fields into one FP64 matrix and gives each output field an FP64 vector", () => {
    expect(
      deriveServingSignature({
        inputs: {
          fields: [
            { name: "a", type: "float64" },
            { name: "b", type: "bool" },
            { name: "n", type: "int64" },
          ],
        },
        outputs: { fields: [{ name: "probability", type: "float64" }] },
      }),
    ).toEqual({
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 3] }],
      outputs: [{ name: "probability", datatype: "FP64", shape: [-1] }],
    });
  });

  it("refuses fields that are not numeric, and empty sides", () => {
    const outputs = { fields: [{ name: "p", type: "float64" as const }] };
    expect(() => deriveServingSignature({ inputs: { fields: [{ name: "s", type: "string" }] }, outputs })).toThrow(
      expect.objectContaining({ code: "FAILED_PRECONDITION", details: { field: "s", type: "string" } }),
    );
    expect(() => deriveServingSignature({ inputs: { fields: [] }, outputs })).toThrow(
      expect.objectContaining({ code: "FAILED_PRECONDITION" }),
    );
  });
});

describe("rowsToInferenceRequest", () => {
  it("packs the columns in order into a single matrix input, booleans and bigints as numbers", () => {
    const signature: Signature = {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 3] }],
      outputs: [{ name: "y", datatype: "FP64", shape: [-1] }],
    };
    expect(rowsToInferenceRequest(signature, ["d", "a", "b"], rows)).toEqual({
      inputs: [{ name: "features", datatype: "FP64", shape: [2, 3], data: [10, 1, 1, 20, 2.5, 0] }],
    });
  });

  it("fills one tensor per column by name, keeping each tensor's datatype", () => {
    const signature: Signature = {
      inputs: [
        { name: "a", datatype: "FP32", shape: [-1] },
        { name: "b", datatype: "BOOL", shape: [-1, 1] },
        { name: "c", datatype: "BYTES", shape: [-1] },
      ],
      outputs: [{ name: "y", datatype: "FP64", shape: [-1] }],
    };
    expect(rowsToInferenceRequest(signature, ["a", "b", "c"], rows)).toEqual({
      inputs: [
        { name: "a", datatype: "FP32", shape: [2], data: [1, 2.5] },
        { name: "b", datatype: "BOOL", shape: [2, 1], data: [true, false] },
        { name: "c", datatype: "BYTES", shape: [2], data: ["x", "y"] },
      ],
    });
  });

  it("names the row and column of a missing or unconvertible value", () => {
    const signature: Signature = {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 2] }],
      outputs: [{ name: "y", datatype: "FP64", shape: [-1] }],
    };
    expect(() => rowsToInferenceRequest(signature, ["a", "z"], rows)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", details: { row: 0, column: "z", input: "features" } }),
    );
    expect(() => rowsToInferenceRequest(signature, ["a", "c"], rows)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", details: { row: 0, column: "c", input: "features" } }),
    );
  });

  it("refuses a layout the columns cannot fill", () => {
    const matrix: Signature = {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 3] }],
      outputs: [{ name: "y", datatype: "FP64", shape: [-1] }],
    };
    expect(() => rowsToInferenceRequest(matrix, ["a", "b"], rows)).toThrow(
      expect.objectContaining({ code: "FAILED_PRECONDITION" }),
    );
    const named: Signature = {
      inputs: [{ name: "image", datatype: "FP32", shape: [-1, 28, 28] }],
      outputs: [{ name: "y", datatype: "FP64", shape: [-1] }],
    };
    expect(() => rowsToInferenceRequest(named, ["a"], rows)).toThrow(
      expect.objectContaining({ code: "FAILED_PRECONDITION" }),
    );
  });
});
