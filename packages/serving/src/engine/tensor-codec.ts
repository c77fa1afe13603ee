import { MlstackError } from "@mlstack/core";
import type { Datatype, Signature, TensorSpec } from "../schemas.js";
import type { ModelOutputs, Tensor, TensorValues } from "../spec.js";

type Scalar = number | boolean | string;

const FP32_MAX = 3.4028234663852886e38;
const FP16_MAX = 65504;
const SAFE = Number.MAX_SAFE_INTEGER;

// Integer ranges; 64-bit types stop at 2^53 because JSON numbers beyond it are not exact.
const INT_RANGES: Partial<Record<Datatype, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [-SAFE, SAFE],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, SAFE],
};

/** Whether `value` is a valid JSON element of `datatype`. */
export function isValidElement(datatype: Datatype, value: unknown): boolean {
  switch (datatype) {
    case "BOOL":
      return typeof value === "boolean";
    case "BYTES":
      return typeof value === "string";
    case "FP16":
      return typeof value === "number" && Math.abs(value) <= FP16_MAX;
    case "FP32":
      return typeof value === "number" && Math.abs(value) <= FP32_MAX;
    case "FP64":
      return typeof value === "number" && Number.isFinite(value);
    default: {
      const [lo, hi] = INT_RANGES[datatype] as readonly [number, number];
      return typeof value === "number" && Number.isInteger(value) && value >= lo && value <= hi;
    }
  }
}

function invalid(message: string, details: Record<string, unknown> = {}): MlstackError {
  return new MlstackError("INVALID_ARGUMENT", message, { details });
}

function product(dims: readonly number[], from = 0): number {
  let n = 1;
  for (let i = from; i < dims.length; i++) n *= dims[i] as number;
  return n;
}

// Never serialises the value: it may be nested deep enough to overflow the stack, or be huge.
function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : String(value);
}

/**
 * Flattens row-major data, nested to any depth up to the rank, into `out`, checking each level's length
 * against the shape and each element against the datatype. Recursion is bounded by the rank (at most 16).
 */
function flattenInto(
  name: string,
  datatype: Datatype,
  data: readonly unknown[],
  shape: readonly number[],
  depth: number,
  out: Scalar[],
): void {
  if (data.length > 0 && Array.isArray(data[0])) {
    if (depth >= shape.length - 1 || data.length !== shape[depth]) {
      throw invalid(`input ${name}: nested data does not match shape [${shape.join(", ")}]`);
    }
    for (const part of data) {
      if (!Array.isArray(part)) throw invalid(`input ${name}: mixes nested arrays and values`);
      flattenInto(name, datatype, part, shape, depth + 1, out);
    }
    return;
  }
  checkFlat(name, datatype, data, shape, depth);
  for (let i = 0; i < data.length; i++) out.push(data[i] as Scalar);
}

// Checks a block of values at `depth`: its length against the shape and each value against the datatype.
function checkFlat(
  name: string,
  datatype: Datatype,
  data: readonly unknown[],
  shape: readonly number[],
  depth = 0,
): void {
  const expected = product(shape, depth);
  if (data.length !== expected) {
    throw invalid(
      `input ${name}: ${data.length} values where shape [${shape.join(", ")}] needs ${depth === 0 ? expected : `${expected} per level-${depth} block`}`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!isValidElement(datatype, v)) {
      const tooBig = typeof v === "number" && (datatype === "INT64" || datatype === "UINT64") && Number.isInteger(v);
      throw invalid(
        tooBig
          ? `input ${name}: ${v} is beyond 2^53 and cannot be represented exactly in JSON`
          : `input ${name}: ${describe(v)} is not a valid ${datatype} value`,
      );
    }
  }
}

/** A request input after schema parsing. */
export interface RawInput {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

/** Decoded request inputs: tensors by name and the number of rows (the first axis). */
export interface DecodedInputs {
  tensors: Record<string, Tensor>;
  rows: number;
}

function fitsShape(spec: TensorSpec, shape: readonly number[]): boolean {
  if (spec.shape.length !== shape.length) return false;
  for (let i = 0; i < shape.length; i++) if (spec.shape[i] !== -1 && spec.shape[i] !== shape[i]) return false;
  return true;
}

/** Checks request inputs against the signature and flattens their data; `INVALID_ARGUMENT` on any mismatch. */
export function decodeInputs(inputs: readonly RawInput[], signature: Signature): DecodedInputs {
  const tensors: Record<string, Tensor> = {};
  let rows = -1;
  for (const input of inputs) {
    const spec = signature.inputs.find((s) => s.name === input.name);
    if (!spec) {
      throw invalid(`unknown input ${input.name}; expected ${signature.inputs.map((s) => s.name).join(", ")}`);
    }
    if (Object.hasOwn(tensors, input.name)) throw invalid(`input ${input.name} is given twice`);
    if (input.datatype !== spec.datatype) {
      throw invalid(`input ${input.name}: datatype ${input.datatype}, expected ${spec.datatype}`);
    }
    if (!fitsShape(spec, input.shape)) {
      throw invalid(`input ${input.name}: shape [${input.shape.join(", ")}] does not fit [${spec.shape.join(", ")}]`);
    }
    const first = input.shape[0] as number;
    if (first === 0) throw invalid(`input ${input.name}: a request needs at least one row`);
    if (rows !== -1 && first !== rows) throw invalid(`inputs disagree on the number of rows (${rows} and ${first})`);
    rows = first;
    let data: Scalar[];
    if (input.data.length === 0 || !Array.isArray(input.data[0])) {
      // Flat data (the common case) is checked in place instead of copied.
      checkFlat(input.name, spec.datatype, input.data, input.shape);
      data = input.data as Scalar[];
    } else {
      data = [];
      flattenInto(input.name, spec.datatype, input.data, input.shape, 0, data);
    }
    tensors[input.name] = { name: input.name, datatype: spec.datatype, shape: input.shape, data: data as TensorValues };
  }
  for (const spec of signature.inputs) {
    if (!Object.hasOwn(tensors, spec.name)) throw invalid(`missing input ${spec.name}`);
  }
  return { tensors, rows };
}

/** The output names a request asks for (all of the signature's when it names none). */
export function requestedOutputs(
  requested: readonly { name: string }[] | null | undefined,
  signature: Signature,
): string[] {
  if (!requested || requested.length === 0) return signature.outputs.map((o) => o.name);
  const names: string[] = [];
  for (const { name } of requested) {
    if (!signature.outputs.some((o) => o.name === name)) {
      throw invalid(`unknown output ${name}; the model has ${signature.outputs.map((o) => o.name).join(", ")}`);
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** A model output checked against the signature, with plain JSON values. */
export interface PlainTensor {
  shape: number[];
  data: Scalar[];
}

function modelFailure(message: string): MlstackError {
  return new MlstackError("INTERNAL", `model output: ${message}`);
}

function toPlain(name: string, datatype: Datatype, values: TensorValues): Scalar[] {
  // A plain array of valid values is used as it is; anything else is converted element by element.
  if (Array.isArray(values) && values.every((v) => isValidElement(datatype, v))) return values as Scalar[];
  const out: Scalar[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let v: unknown = values[i];
    if (typeof v === "bigint") {
      if (v > BigInt(SAFE) || v < -BigInt(SAFE)) throw modelFailure(`${name}: ${v} is beyond 2^53`);
      v = Number(v);
    }
    if (datatype === "BOOL" && (v === 0 || v === 1)) v = v === 1;
    if (!isValidElement(datatype, v)) {
      throw modelFailure(`${name}: ${String(v)} is not a JSON-representable ${datatype} value`);
    }
    out[i] = v as Scalar;
  }
  return out;
}

/** Checks a model's outputs against the signature and `rows`; `INTERNAL` when the model broke its contract. */
export function normalizeOutputs(outputs: ModelOutputs, signature: Signature, rows: number): Map<string, PlainTensor> {
  if (typeof outputs !== "object" || outputs === null) throw modelFailure("the model returned no outputs object");
  const result = new Map<string, PlainTensor>();
  for (const spec of signature.outputs) {
    const out = outputs[spec.name];
    if (!out || !Array.isArray(out.shape) || out.data === undefined) throw modelFailure(`missing output ${spec.name}`);
    const shape = [...out.shape];
    if (!fitsShape(spec, shape) || (spec.shape[0] === -1 && shape[0] !== rows)) {
      throw modelFailure(
        `${spec.name} has shape [${shape.join(", ")}], expected [${spec.shape.join(", ")}] with ${rows} rows`,
      );
    }
    if (out.data.length !== product(shape)) {
      throw modelFailure(`${spec.name} has ${out.data.length} values for shape [${shape.join(", ")}]`);
    }
    result.set(spec.name, { shape, data: toPlain(spec.name, spec.datatype, out.data) });
  }
  return result;
}

/** Merges several requests' inputs along the first axis, in order. */
export function mergeInputs(parts: readonly Record<string, Tensor>[], signature: Signature): Record<string, Tensor> {
  if (parts.length === 1) return parts[0] as Record<string, Tensor>;
  const merged: Record<string, Tensor> = {};
  for (const spec of signature.inputs) {
    const tensors = parts.map((p) => p[spec.name] as Tensor);
    const first = tensors[0] as Tensor;
    const rows = tensors.reduce((n, t) => n + (t.shape[0] as number), 0);
    const data = (tensors as Tensor[]).flatMap((t) => t.data as Scalar[]);
    merged[spec.name] = {
      name: spec.name,
      datatype: spec.datatype,
      shape: [rows, ...first.shape.slice(1)],
      data: data as TensorValues,
    };
  }
  return merged;
}

/** Splits batch outputs back into per-request slices of `rowsEach` rows. */
export function splitOutputs(
  outputs: Map<string, PlainTensor>,
  rowsEach: readonly number[],
): Map<string, PlainTensor>[] {
  if (rowsEach.length === 1) return [outputs];
  const parts = rowsEach.map(() => new Map<string, PlainTensor>());
  for (const [name, tensor] of outputs) {
    const rowSize = product(tensor.shape, 1);
    let offset = 0;
    rowsEach.forEach((rows, i) => {
      const data = tensor.data.slice(offset * rowSize, (offset + rows) * rowSize);
      (parts[i] as Map<string, PlainTensor>).set(name, { shape: [rows, ...tensor.shape.slice(1)], data });
      offset += rows;
    });
  }
  return parts;
}
