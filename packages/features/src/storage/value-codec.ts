import type { OfflineSegment } from "./spec.js";

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

/**
 * One stored offline row as an SQL backend reads it: key, event time, created time, any cursor columns the
 * backend pages by, and last the values as written by {@link encodeValues}.
 */
export type EncodedOfflineRow = readonly [key: string, eventTime: number, createdTime: number, ...rest: unknown[]];

/**
 * Builds a scan segment from rows ordered by (key, event time, created time, ingestion order).
 * Values stay encoded until read: a retrieval reads one row per entity row and a materialization one per
 * key, so most rows are never decoded. Consecutive reads of one row's columns decode it once.
 */
export function encodedSegment(rows: readonly EncodedOfflineRow[], width: number): OfflineSegment {
  const n = rows.length;
  const keys: string[] = [];
  const offsets: number[] = [];
  const eventTime = new Float64Array(n);
  const createdTime = new Float64Array(n);
  const encoded: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as EncodedOfflineRow;
    const [key, event, created] = row;
    const vals = row[row.length - 1] as string;
    if (i === 0 || key !== keys[keys.length - 1]) {
      keys.push(key);
      offsets.push(i);
    }
    eventTime[i] = event;
    createdTime[i] = created;
    encoded[i] = vals;
  }
  offsets.push(n);
  let decodedAt = -1;
  let decoded: unknown[] = [];
  const row = (p: number): unknown[] => {
    if (p !== decodedAt) {
      decoded = decodeValues(encoded[p] as string);
      decodedAt = p;
    }
    return decoded;
  };
  return {
    keys,
    offsets: Int32Array.from(offsets),
    eventTime: { get: (p) => eventTime[p] as number },
    createdTime: { get: (p) => createdTime[p] as number },
    columns: Array.from({ length: width }, (_, c) => ({ get: (p: number) => row(p)[c] })),
  };
}
