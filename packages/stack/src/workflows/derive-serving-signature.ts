import { type Field, MlstackError, type Schema } from "@mlstack/core";
import type { Signature } from "@mlstack/serving";

/** The field types packed into the FP64 input matrix (booleans as 0 and 1). */
const NUMERIC = new Set(["bool", "int32", "int64", "float32", "float64"]);

/** The name of the input tensor of a derived signature. */
export const FEATURES_TENSOR = "features";

/**
 * The Open Inference Protocol signature of a model from its registered (column) signature: one FP64
 * input `features` of shape `[-1, n]` packing the `n` input fields in order, and one FP64 output of
 * shape `[-1]` per output field. It is what the `linear` runtime loads. `FAILED_PRECONDITION` when a
 * field is not numeric (give the deployment a signature of its own then).
 */
export function deriveServingSignature(registered: { readonly inputs: Schema; readonly outputs: Schema }): Signature {
  const notNumeric = (side: string, f: Field) =>
    new MlstackError(
      "FAILED_PRECONDITION",
      `cannot derive a serving signature: ${side} field "${f.name}" is ${f.type}, not numeric; give the deployment a signature`,
      { details: { field: f.name, type: f.type } },
    );
  if (registered.inputs.fields.length === 0 || registered.outputs.fields.length === 0) {
    throw new MlstackError(
      "FAILED_PRECONDITION",
      "cannot derive a serving signature from a registered signature without inputs or outputs",
    );
  }
  for (const f of registered.inputs.fields) if (!NUMERIC.has(f.type)) throw notNumeric("input", f);
  for (const f of registered.outputs.fields) if (!NUMERIC.has(f.type)) throw notNumeric("output", f);
  return {
    inputs: [{ name: FEATURES_TENSOR, datatype: "FP64", shape: [-1, registered.inputs.fields.length] }],
    outputs: registered.outputs.fields.map((f) => ({ name: f.name, datatype: "FP64", shape: [-1] })),
  };
}
