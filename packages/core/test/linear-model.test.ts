import { describe, expect, it } from "vitest";
import { type LinearModel, linearModelOutputName, parseLinearModel, predictLinearModel } from "../src/index.js";

const model: LinearModel = {
  format: "mlstack.linear-model",
  formatVersion: 1,
  task: "binary-classification",
  link: "logistic",
  featureNames: ["a", "b"],
  weights: [2, -1],
  intercept: 0.5,
  scaling: { mean: [1, 0], scale: [2, 1] },
  signature: {
    inputs: {
      fields: [
        { name: "a", type: "float64" },
        { name: "b", type: "float64" },
      ],
    },
    outputs: { fields: [{ name: "probability", type: "float64" }] },
  },
};

describe("linear model format", () => {
  it("scores nested and flat rows alike", () => {
    const z = 0.5 + 2 * ((3 - 1) / 2) - 1 * 4;
    const expected = 1 / (1 + Math.exp(-z));
    expect(predictLinearModel(model, [[3, 4]])[0]).toBeCloseTo(expected, 15);
    expect([...predictLinearModel(model, [3, 4, 1, 0])]).toEqual([expected, 1 / (1 + Math.exp(-0.5))]);
    expect(linearModelOutputName(model)).toBe("probability");
  });

  it("uses the identity link for regression", () => {
    const reg: LinearModel = { ...model, task: "regression", link: "identity", scaling: undefined };
    expect([...predictLinearModel(reg, [[1, 1]])]).toEqual([1.5]);
    expect(linearModelOutputName(reg)).toBe("prediction");
  });

  it("round-trips through JSON and rejects malformed models", () => {
    expect(parseLinearModel(JSON.stringify(model))).toEqual(model);
    expect(parseLinearModel(new TextEncoder().encode(JSON.stringify(model)))).toEqual(model);
    expect(() => parseLinearModel({ ...model, weights: [1] })).toThrowError(/expected 2 weights/);
    expect(() => parseLinearModel({ ...model, link: "identity" })).toThrowError(/logistic link/);
    expect(() => parseLinearModel("{")).toThrowError(/must be JSON/);
    expect(() => predictLinearModel(model, [[1]])).toThrowError(/expected 2/);
    expect(() => predictLinearModel(model, [1, 2, 3])).toThrowError(/multiple of 2/);
  });
});
