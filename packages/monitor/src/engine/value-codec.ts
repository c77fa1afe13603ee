// JSON with tagged forms for what JSON loses: NaN and ±Infinity, bigints, byte arrays and Float32Arrays,
// so logged values come back from any storage as they went in.

/** Encodes a logged value (or row) as JSON text, keeping non-finite numbers, bigints and byte arrays. */
export function encodeValue(value: unknown): string {
  // Plain JSON is the common case and much faster than a replacer; it applies when nothing needs a tag.
  if (isPlainJson(value, 0)) return JSON.stringify(value);
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return { $num: String(v) };
    if (typeof v === "bigint") return { $bigint: v.toString() };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("base64") };
    if (v instanceof Float32Array) return { $f32: Array.from(v) };
    if (v === undefined) return null;
    return v;
  });
}

/** Decodes {@link encodeValue}. */
export function decodeValue(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1) {
        if (typeof o.$num === "string") return Number(o.$num);
        if (typeof o.$bigint === "string") return BigInt(o.$bigint);
        if (typeof o.$bytes === "string") return new Uint8Array(Buffer.from(o.$bytes, "base64"));
        if (Array.isArray(o.$f32)) return Float32Array.from(o.$f32 as number[]);
      }
    }
    return v;
  });
}

// True when JSON.stringify alone round-trips `value`: finite numbers, strings, booleans, null, and
// arrays and plain objects of those (no undefined, which the tagged encoder turns into null).
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth > 8) return false;
      if (Array.isArray(value)) return value.every((v) => isPlainJson(v, depth + 1));
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
