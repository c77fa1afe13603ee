// Feature values as JSON text, with tagged forms for what JSON loses: NaN, ±Infinity, -0, bigints, bytes.
// Shared by the SQL backends so a row reads back alike from SQLite and PostgreSQL.
const TAG = /"\$[nby]"/;

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === "number") {
    if (Number.isFinite(value) && !Object.is(value, -0)) return value;
    return { $n: Object.is(value, -0) ? "-0" : String(value) };
  }
  if (typeof value === "bigint") return { $b: value.toString() };
  if (value instanceof Uint8Array) return { $y: Buffer.from(value).toString("base64") };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const tagged = value as { $n?: string; $b?: string; $y?: string };
  if (tagged.$n !== undefined) return Number(tagged.$n);
  if (tagged.$b !== undefined) return BigInt(tagged.$b);
  if (tagged.$y !== undefined) return new Uint8Array(Buffer.from(tagged.$y, "base64"));
  return value;
}

/** Encodes one row's feature values. */
export function encodeValues(values: readonly unknown[]): string {
  return values.every(plain) ? JSON.stringify(values) : JSON.stringify(values, replacer);
}

// Values JSON keeps exactly as they are.
function plain(value: unknown): boolean {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0))
  );
}

/** Decodes what {@link encodeValues} wrote; plain JSON (the common case) skips the reviver. */
export function decodeValues(text: string): unknown[] {
  return (TAG.test(text) ? JSON.parse(text, reviver) : JSON.parse(text)) as unknown[];
}
