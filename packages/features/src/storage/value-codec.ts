import type { OfflineSegment, OnlineRecord } from "./spec.js";

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
  const segment: OfflineSegment = {
    keys,
    offsets: Int32Array.from(offsets),
    eventTime: { get: (p) => eventTime[p] as number },
    createdTime: { get: (p) => createdTime[p] as number },
    columns: Array.from({ length: width }, (_, c) => ({ get: (p: number) => row(p)[c] })),
  };
  encodedRows.set(segment, { eventTime, createdTime, encoded });
  return segment;
}

// The stored parts of segments built by encodedSegment, so a row can go online without a decode.
const encodedRows = new WeakMap<
  OfflineSegment,
  { eventTime: Float64Array; createdTime: Float64Array; encoded: readonly string[] }
>();

// An online record that keeps its values as stored: decoded only if someone reads them.
class EncodedOnlineRecord implements OnlineRecord {
  readonly key: string;
  readonly eventTime: number;
  readonly createdTime: number;
  readonly text: string;
  #values: unknown[] | undefined;

  constructor(key: string, eventTime: number, createdTime: number, text: string) {
    this.key = key;
    this.eventTime = eventTime;
    this.createdTime = createdTime;
    this.text = text;
  }

  get values(): readonly unknown[] {
    if (this.#values === undefined) this.#values = decodeValues(this.text);
    return this.#values;
  }
}

/**
 * The online record of the row at `position` of a scan segment, under `key`. For a segment built by
 * {@link encodedSegment} the record keeps the row's encoded values, so {@link encodeRecordValues} hands
 * them to an SQL backend without decoding and encoding again; its `values` decode on first read.
 */
export function onlineRecordAt(segment: OfflineSegment, key: string, position: number): OnlineRecord {
  const stored = encodedRows.get(segment);
  if (stored !== undefined) {
    return new EncodedOnlineRecord(
      key,
      stored.eventTime[position] as number,
      stored.createdTime[position] as number,
      stored.encoded[position] as string,
    );
  }
  const values = new Array(segment.columns.length);
  for (let c = 0; c < values.length; c++)
    values[c] = (segment.columns[c] as OfflineSegment["columns"][number]).get(position);
  return {
    key,
    eventTime: segment.eventTime.get(position),
    createdTime: segment.createdTime.get(position),
    values,
  };
}

/** A record's values as {@link encodeValues} writes them, reusing the stored text of a record read from one. */
export function encodeRecordValues(record: OnlineRecord): string {
  return record instanceof EncodedOnlineRecord ? record.text : encodeValues(record.values);
}
