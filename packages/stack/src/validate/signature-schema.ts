import type { Field, ScalarType, Schema } from "@mlstack/core";
import type { Datatype, TensorSpec } from "@mlstack/serving";

/** The core scalar type each Open Inference Protocol datatype carries (the narrowest that holds every value). */
export const DATATYPE_SCALARS: Readonly<Record<Datatype, ScalarType>> = Object.freeze({
  BOOL: "bool",
  UINT8: "int32",
  UINT16: "int32",
  UINT32: "int64",
  UINT64: "int64",
  INT8: "int32",
  INT16: "int32",
  INT32: "int32",
  INT64: "int64",
  FP16: "float32",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
});

const FLOATS: ReadonlySet<Datatype> = new Set(["FP16", "FP32", "FP64"]);

/** A tensor layout problem: the tensors cannot carry the model's fields whatever their types. */
export interface LayoutProblem {
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly hint: string;
}

/** The fields a list of tensors carries, or the problems that keep it from carrying them. */
export interface TensorFields {
  /** Undefined when the layout is broken (then the problems say why). */
  readonly schema: Schema | undefined;
  /** `packed` (one `[-1, n]` float matrix) or `per-field` (one tensor per field). */
  readonly layout: "packed" | "per-field";
  readonly problems: readonly LayoutProblem[];
  /** Fields whose tensor is broken (already a problem): leave them out of the type comparison. */
  readonly unusable: readonly string[];
}

const shape = (s: readonly number[]): string => `[${s.join(", ")}]`;

/**
 * Reads OIP tensors as a schema of the model's `fields`. Two layouts are accepted: one float tensor of
 * shape `[-1, n]` packing the n fields in order, or one tensor per field, named like it, of shape
 * `[-1]` or `[-1, 1]` (or `[-1, k]` float for a vector field of length k). The first axis is the batch.
 */
export function tensorFields(
  tensors: readonly TensorSpec[],
  fields: readonly Field[],
  side: "input" | "output",
): TensorFields {
  const names = new Set(fields.map((f) => f.name));
  const only = tensors.length === 1 ? tensors[0] : undefined;
  const packed =
    only !== undefined &&
    only.shape.length === 2 &&
    !(fields.length === 1 && names.has(only.name) && only.shape[1] === 1);
  return packed && only !== undefined ? packedFields(only, fields, side) : perFieldFields(tensors, names, side);
}

function packedFields(t: TensorSpec, fields: readonly Field[], side: "input" | "output"): TensorFields {
  const problems: LayoutProblem[] = [];
  const [batch, width] = t.shape;
  const wanted = `[-1, ${fields.length}]`;
  if (batch !== -1) {
    problems.push({
      severity: "error",
      message: `${side} tensor "${t.name}" has shape ${shape(t.shape)}: its first axis is the batch and must be -1`,
      hint: `declare "${t.name}" with shape ${wanted}`,
    });
  }
  if (width !== fields.length) {
    problems.push({
      severity: "error",
      message: `${side} tensor "${t.name}" packs ${width === -1 ? "a variable number of" : width} columns, but the model has ${fields.length} fields (${fields.map((f) => f.name).join(", ")})`,
      hint: `declare "${t.name}" with shape ${wanted}, one column per field in signature order, or one tensor per field`,
    });
  }
  if (!FLOATS.has(t.datatype)) {
    problems.push({
      severity: "error",
      message: `${side} tensor "${t.name}" packs fields as ${t.datatype}; a packed tensor must be FP64, FP32 or FP16`,
      hint: `declare "${t.name}" as FP64, or use one tensor per field with its own datatype`,
    });
  }
  const vectors = fields.filter((f) => f.type === "vector");
  if (vectors.length > 0) {
    problems.push({
      severity: "error",
      message: `${side} tensor "${t.name}" packs scalar columns, but ${vectors.map((f) => `"${f.name}"`).join(", ")} ${vectors.length === 1 ? "is a vector" : "are vectors"}`,
      hint: "use one tensor per field, a vector field as a [-1, k] float tensor",
    });
  }
  if (problems.length > 0) return { schema: undefined, layout: "packed", problems, unusable: [] };
  const type = DATATYPE_SCALARS[t.datatype];
  return { schema: { fields: fields.map((f) => ({ name: f.name, type })) }, layout: "packed", problems, unusable: [] };
}

function perFieldFields(
  tensors: readonly TensorSpec[],
  names: ReadonlySet<string>,
  side: "input" | "output",
): TensorFields {
  const problems: LayoutProblem[] = [];
  const out: Field[] = [];
  const unusable: string[] = [];
  for (const t of tensors) {
    const [batch, ...rest] = t.shape;
    // An output tensor the model does not produce is a missing field in the type comparison instead.
    if (side === "input" && !names.has(t.name)) {
      problems.push({
        severity: "warning",
        message: `${side} tensor "${t.name}" matches no field of the model (${[...names].join(", ")})`,
        hint: `rename "${t.name}" after the field it carries, or remove it`,
      });
    }
    if (batch !== -1) {
      problems.push({
        severity: "error",
        message: `${side} tensor "${t.name}" has shape ${shape(t.shape)}: its first axis is the batch and must be -1`,
        hint: `declare "${t.name}" with shape [-1]`,
      });
      unusable.push(t.name);
      continue;
    }
    const width = rest.length === 0 ? 1 : rest.length === 1 ? rest[0] : undefined;
    if (width === 1) out.push({ name: t.name, type: DATATYPE_SCALARS[t.datatype] });
    else if (width !== undefined && width > 1 && FLOATS.has(t.datatype)) {
      out.push({ name: t.name, type: "vector", length: width });
    } else {
      problems.push({
        severity: "error",
        message: `${side} tensor "${t.name}" has shape ${shape(t.shape)}; a field's tensor is [-1] or [-1, 1] (or [-1, k] float for a vector)`,
        hint: `declare "${t.name}" with shape [-1], or pack every field into one [-1, n] float tensor`,
      });
      unusable.push(t.name);
    }
  }
  return { schema: { fields: out }, layout: "per-field", problems, unusable };
}
