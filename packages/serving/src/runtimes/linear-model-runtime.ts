import { linearModelOutputName, MlstackError, parseLinearModel, predictLinearModel } from "@mlstack/core";
import type { LoadedModel, ModelRuntime } from "../spec.js";

const FLOATS = new Set(["FP32", "FP64"]);

/**
 * The `linear` runtime: the reference trainer's JSON model (`mlstack.linear-model`, from `@mlstack/core`).
 * The signature must have one float input of shape `[-1, features]` and one float output named
 * `probability` (classifiers) or `prediction` (regressors) of shape `[-1]` or `[-1, 1]`.
 */
export function createLinearModelRuntime(): ModelRuntime {
  return {
    name: "linear",
    platform: "mlstack_linear",
    async load(payload, signature): Promise<LoadedModel> {
      if (!payload.bytes) throw new MlstackError("INVALID_ARGUMENT", "the linear runtime loads stored model bytes");
      const model = parseLinearModel(payload.bytes);
      const d = model.featureNames.length;
      const outName = linearModelOutputName(model);
      const [input] = signature.inputs;
      const [output] = signature.outputs;
      const mismatch = (message: string) =>
        new MlstackError("INVALID_ARGUMENT", `linear model does not fit the signature: ${message}`);
      if (signature.inputs.length !== 1 || !input || !FLOATS.has(input.datatype)) {
        throw mismatch("expected one FP32 or FP64 input");
      }
      if (input.shape.length !== 2 || (input.shape[1] !== d && input.shape[1] !== -1)) {
        throw mismatch(`input ${input.name} must have shape [-1, ${d}]`);
      }
      if (signature.outputs.length !== 1 || !output || output.name !== outName || !FLOATS.has(output.datatype)) {
        throw mismatch(`expected one FP32 or FP64 output named ${outName}`);
      }
      const column = output.shape.length === 2;
      if (output.shape.length > 2 || (column && output.shape[1] !== 1 && output.shape[1] !== -1)) {
        throw mismatch(`output ${outName} must have shape [-1] or [-1, 1]`);
      }
      const inputName = input.name;
      return {
        predict(inputs) {
          const x = inputs[inputName];
          if (!x || x.shape[1] !== d) throw new MlstackError("INVALID_ARGUMENT", `expected ${d} features per row`);
          const y = predictLinearModel(model, x.data as ArrayLike<number>);
          return { [outName]: { shape: column ? [y.length, 1] : [y.length], data: y } };
        },
        unload: async () => {},
      };
    },
  };
}
