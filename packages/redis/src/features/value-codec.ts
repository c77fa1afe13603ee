import type { Field } from "@mlstack/core";

/** One stored online value: the record's times and its feature values in layout order. */
export interface DecodedOnlineValue {
  readonly eventTime: number;
  readonly createdTime: number;
  readonly values: unknown[];
}

/** Encodes and decodes one view's online values to and from bytes. */
export interface ValueCodec {
  encode(eventTime: number, createdTime: number, values: readonly unknown[]): Buffer;
  decode(bytes: Buffer): DecodedOnlineValue;
}

const FORMAT = 1;
const INT64_NUMBER = 0;
const INT64_BIGINT = 1;

/**
 * The binary layout of one view's online values, fixed by its field types (a view's types cannot change
 * in place, and a dropped view starts a new generation of keys): a format byte, the event and created
 * times as float64s, a null bitmap, then each non-null value. Numbers are float64 (what memory keeps, including
 * NaN, ±Infinity and -0), int32 4 bytes, booleans 1 byte, strings and bytes length-prefixed, vectors
 * `length` float64s, int64 a tag (number or bigint) then a float64 or the bigint's decimal text.
 * Decoding numeric features is a few `readDoubleLE` calls instead of parsing text.
 */
export function valueCodec(fields: readonly Field[]): ValueCodec {
  const n = fields.length;
  const types = fields.map((f) => f.type);
  const lengths = fields.map((f) => f.length ?? 0);
  const bitmap = (n + 7) >> 3;
  const head = 1 + 16 + bitmap;
  const strings: (Buffer | undefined)[] = new Array(n);
  return {
    encode(eventTime, createdTime, values) {
      let size = head;
      for (let i = 0; i < n; i++) {
        const value = values[i];
        if (value === null || value === undefined) continue;
        switch (types[i]) {
          case "bool":
            size += 1;
            break;
          case "int32":
            size += 4;
            break;
          case "int64":
            if (typeof value === "bigint") {
              strings[i] = Buffer.from(value.toString(), "latin1");
              size += 5 + (strings[i] as Buffer).length;
            } else size += 9;
            break;
          case "string":
            strings[i] = Buffer.from(value as string, "utf8");
            size += 4 + (strings[i] as Buffer).length;
            break;
          case "bytes":
            size += 4 + (value as Uint8Array).length;
            break;
          case "vector":
            size += 8 * (lengths[i] as number);
            break;
          default:
            size += 8;
        }
      }
      const out = Buffer.allocUnsafe(size);
      out.fill(0, 0, head);
      out[0] = FORMAT;
      out.writeDoubleLE(eventTime, 1);
      out.writeDoubleLE(createdTime, 9);
      let at = head;
      for (let i = 0; i < n; i++) {
        const value = values[i];
        if (value === null || value === undefined) {
          (out[17 + (i >> 3)] as number) |= 1 << (i & 7);
          continue;
        }
        switch (types[i]) {
          case "bool":
            out[at++] = value ? 1 : 0;
            break;
          case "int32":
            at = out.writeInt32LE(value as number, at);
            break;
          case "int64":
            if (typeof value === "bigint") {
              out[at++] = INT64_BIGINT;
              at = writeBlob(out, at, strings[i] as Buffer);
            } else {
              out[at++] = INT64_NUMBER;
              at = out.writeDoubleLE(value as number, at);
            }
            break;
          case "string":
            at = writeBlob(out, at, strings[i] as Buffer);
            break;
          case "bytes":
            at = writeBlob(out, at, value as Uint8Array);
            break;
          case "vector":
            for (const x of value as readonly number[]) at = out.writeDoubleLE(x, at);
            break;
          default:
            at = out.writeDoubleLE(value as number, at);
        }
        strings[i] = undefined;
      }
      return out;
    },
    decode(bytes) {
      const eventTime = bytes.readDoubleLE(1);
      const createdTime = bytes.readDoubleLE(9);
      const values: unknown[] = new Array(n);
      let at = head;
      for (let i = 0; i < n; i++) {
        if (((bytes[17 + (i >> 3)] as number) & (1 << (i & 7))) !== 0) {
          values[i] = null;
          continue;
        }
        switch (types[i]) {
          case "bool":
            values[i] = bytes[at++] === 1;
            break;
          case "int32":
            values[i] = bytes.readInt32LE(at);
            at += 4;
            break;
          case "int64":
            if (bytes[at++] === INT64_BIGINT) {
              const length = bytes.readUInt32LE(at);
              values[i] = BigInt(bytes.toString("latin1", at + 4, at + 4 + length));
              at += 4 + length;
            } else {
              values[i] = bytes.readDoubleLE(at);
              at += 8;
            }
            break;
          case "string": {
            const length = bytes.readUInt32LE(at);
            values[i] = bytes.toString("utf8", at + 4, at + 4 + length);
            at += 4 + length;
            break;
          }
          case "bytes": {
            const length = bytes.readUInt32LE(at);
            values[i] = new Uint8Array(bytes.subarray(at + 4, at + 4 + length));
            at += 4 + length;
            break;
          }
          case "vector": {
            const vector = new Array<number>(lengths[i] as number);
            for (let k = 0; k < vector.length; k++, at += 8) vector[k] = bytes.readDoubleLE(at);
            values[i] = vector;
            break;
          }
          default:
            values[i] = bytes.readDoubleLE(at);
            at += 8;
        }
      }
      return { eventTime, createdTime, values };
    },
  };
}

function writeBlob(out: Buffer, at: number, blob: Uint8Array): number {
  at = out.writeUInt32LE(blob.length, at);
  out.set(blob, at);
  return at + blob.length;
}
