import type { Field } from "@mlstack/core";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Checks one value against a field and returns it normalised (vectors become number arrays, bytes are
 * copied, a missing nullable value becomes null), or a problem text. Hand-written rather than zod
 * because it runs once per value of million-row ingests; it accepts exactly what core's
 * `schemaToZod` accepts.
 */
export function checkValue(
  field: Field,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (value === null || value === undefined) {
    return field.nullable ? { ok: true, value: null } : { ok: false, problem: "is required" };
  }
  switch (field.type) {
    case "float64":
    case "float32":
      if (typeof value === "number") return { ok: true, value };
      break;
    case "int32":
      if (Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX) {
        return { ok: true, value };
      }
      break;
    case "int64":
      if (typeof value === "bigint" || Number.isSafeInteger(value)) return { ok: true, value };
      break;
    case "timestamp":
      if (Number.isInteger(value)) return { ok: true, value };
      break;
    case "bool":
      if (typeof value === "boolean") return { ok: true, value };
      break;
    case "string":
      if (typeof value === "string") return { ok: true, value };
      break;
    case "bytes":
      if (value instanceof Uint8Array) return { ok: true, value: value.slice() };
      break;
    case "vector":
      if (
        (value instanceof Float32Array || (Array.isArray(value) && value.every((x) => typeof x === "number"))) &&
        value.length === field.length
      ) {
        return { ok: true, value: Array.from(value as ArrayLike<number>) };
      }
      break;
  }
  return { ok: false, problem: `expected ${describe(field)}, got ${show(value)}` };
}

function describe(field: Field): string {
  return field.type === "vector" ? `a vector of ${field.length} numbers` : `a ${field.type} value`;
}

/** A short rendering of a bad value for error messages. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "object" && value !== null) return value.constructor?.name ?? "object";
  return String(value);
}
