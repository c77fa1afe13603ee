import { MlstackError } from "@mlstack/core";
import type { JoinKey, Row } from "../spec.js";
import { show } from "./check-value.js";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Reads a row's join keys as one storage key, or throws `INVALID_ARGUMENT` naming the row (`list.index`)
 * and column.
 */
export type EntityKeyReader = (row: Row, list: string, index: number) => string;

function part(key: JoinKey, row: Row, list: string, index: number): string {
  const value = row[key.name];
  if (typeof value === "string" && key.type === "string") return value;
  const where = `${list}.${index}`;
  if (value === undefined || value === null) {
    throw new MlstackError("INVALID_ARGUMENT", `${where}: missing join key "${key.name}"`, {
      details: { path: `${where}.${key.name}`, joinKey: key.name },
    });
  }
  const ok =
    key.type === "string"
      ? typeof value === "string"
      : key.type === "int32"
        ? Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
        : typeof value === "bigint" || Number.isSafeInteger(value);
  if (!ok) {
    throw new MlstackError(
      "INVALID_ARGUMENT",
      `${where}: join key "${key.name}" must be ${key.type}, got ${show(value)}`,
      { details: { path: `${where}.${key.name}`, joinKey: key.name, expected: key.type } },
    );
  }
  // An int64 given as a bigint and as a number encode alike, so they match.
  return typeof value === "string" ? value : String(value);
}

/**
 * Compiles the key reader of a list of join keys. One key encodes as its text; a composite key as the
 * JSON array of its parts' texts. Types are fixed per key, so the encoding is unambiguous.
 */
export function entityKeyReader(joinKeys: readonly JoinKey[]): EntityKeyReader {
  if (joinKeys.length === 1) {
    const only = joinKeys[0] as JoinKey;
    return (row, list, index) => part(only, row, list, index);
  }
  return (row, list, index) => JSON.stringify(joinKeys.map((k) => part(k, row, list, index)));
}

/**
 * For a single integer join key: reads a row's key as a number when it is a valid one (the fast path of
 * retrieval), else undefined, leaving validation and bigints to the string reader.
 */
export function integerKeyReader(joinKeys: readonly JoinKey[]): ((row: Row) => number | undefined) | undefined {
  const only = joinKeys[0];
  if (joinKeys.length !== 1 || only === undefined || only.type === "string") return undefined;
  const name = only.name;
  const [min, max] =
    only.type === "int32" ? [INT32_MIN, INT32_MAX] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  return (row) => {
    const value = row[name];
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
  };
}
