import { MlstackError } from "@mlstack/core";
import type { InferenceRequest, Signature, TensorSpec } from "@mlstack/serving";

type Value = number | boolean | string;

/**
 * An Open Inference Protocol request scoring `rows` on a deployment of `signature`, reading `columns`
 * of each row. A single matrix input (`[-1, n]`, as {@link deriveServingSignature} makes) packs the
 * columns in order; otherwise each input tensor of shape `[-1]` or `[-1, 1]` takes the column of its
 * name. Numbers, booleans (as 0 and 1 in numeric tensors) and bigints convert; a missing or
 * unconvertible value is `INVALID_ARGUMENT` naming the row and column.
 */
export function rowsToInferenceRequest(
  signature: Signature,
  columns: readonly string[],
  rows: readonly Readonly<Record<string, unknown>>[],
): InferenceRequest {
  const n = rows.length;
  const [only] = signature.inputs;
  if (signature.inputs.length === 1 && only && only.shape.length === 2 && !columns.includes(only.name)) {
    const width = only.shape[1];
    if (width !== -1 && width !== columns.length) {
      throw new MlstackError(
        "FAILED_PRECONDITION",
        `input ${only.name} takes ${width} columns per row, ${columns.length} were given`,
        { details: { input: only.name, expected: width, columns: [...columns] } },
      );
    }
    const data: Value[] = new Array(n * columns.length);
    rows.forEach((row, i) => {
      columns.forEach((column, j) => {
        data[i * columns.length + j] = convert(only, row[column], i, column);
      });
    });
    return { inputs: [{ name: only.name, datatype: only.datatype, shape: [n, columns.length], data }] };
  }
  return {
    inputs: signature.inputs.map((tensor) => {
      const column = tensor.name;
      const isColumn = tensor.shape.length === 1 || (tensor.shape.length === 2 && tensor.shape[1] === 1);
      if (!columns.includes(column) || !isColumn) {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          `cannot fill input ${tensor.name} of shape [${tensor.shape.join(", ")}] from columns [${columns.join(", ")}]`,
          { details: { input: tensor.name, columns: [...columns] } },
        );
      }
      return {
        name: tensor.name,
        datatype: tensor.datatype,
        shape: tensor.shape.length === 1 ? [n] : [n, 1],
        data: rows.map((row, i) => convert(tensor, row[column], i, column)),
      };
    }),
  };
}

function convert(tensor: TensorSpec, value: unknown, row: number, column: string): Value {
  const bad = (why: string) =>
    new MlstackError("INVALID_ARGUMENT", `row ${row}: column "${column}" ${why}`, {
      details: { row, column, input: tensor.name },
    });
  if (value === null || value === undefined) throw bad("is missing");
  if (tensor.datatype === "BYTES") {
    if (typeof value === "string") return value;
    throw bad("is not a string");
  }
  if (tensor.datatype === "BOOL") {
    if (typeof value === "boolean") return value;
    if (value === 0 || value === 1) return value === 1;
    throw bad("is not a boolean");
  }
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  throw bad(`is not a number (${typeof value})`);
}
