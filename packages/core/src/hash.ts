import { createHash } from "node:crypto";
import { MlstackError } from "./errors.js";

/**
 * A canonical JSON text of `value`: object keys sorted, no whitespace, `undefined` properties dropped.
 * Equal values give equal text, so it can be hashed into content ids and fingerprints.
 * Non-finite numbers, bigints, byte arrays and dates get explicit tagged forms instead of JSON's lossy ones.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, seen: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (Number.isFinite(value)) return Object.is(value, -0) ? "0" : JSON.stringify(value);
      return `{"$num":"${String(value)}"}`;
    case "bigint":
      return `{"$bigint":"${value.toString()}"}`;
    case "undefined":
      return "null";
    case "object":
      break;
    default:
      throw new MlstackError("INVALID_ARGUMENT", `cannot hash a value of type ${typeof value}`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new MlstackError("INVALID_ARGUMENT", "cannot hash a cyclic value");
  if (obj instanceof Date) return `{"$date":${obj.getTime()}}`;
  if (ArrayBuffer.isView(obj)) {
    const bytes = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
    return `{"$bytes":"${Buffer.from(bytes).toString("base64")}","$type":"${obj.constructor.name}"}`;
  }
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = `[${obj.map((v) => encode(v, seen)).join(",")}]`;
  } else {
    const keys = Object.keys(obj)
      .filter((k) => (obj as Record<string, unknown>)[k] !== undefined)
      .sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${encode((obj as Record<string, unknown>)[k], seen)}`).join(",")}}`;
  }
  seen.delete(obj);
  return out;
}

/** SHA-256 of bytes or a string (UTF-8), as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** SHA-256 of the canonical JSON of `value`, as lowercase hex: a content hash for definitions and inputs. */
export function hashValue(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
