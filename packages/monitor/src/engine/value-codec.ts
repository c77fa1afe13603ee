// JSON with tagged forms for what JSON loses: NaN and ±Infinity, bigints, byte arrays and Float32Arrays,
// so logged values come back from any storage as they went in.

/** Encodes a logged value (or row) as JSON text, keeping non-finite numbers, bigints and byte arrays. */
export function encodeValue(value: unknown): string {
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
