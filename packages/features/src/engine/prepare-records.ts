import { createHash } from "node:crypto";
import type { Field } from "@mlstack/core";
import { canonicalJson, MlstackError } from "@mlstack/core";
import type { FeatureRecord, ResolvedFeatureView } from "../spec.js";
import type { OfflineBatch, OnlineRecord, ViewLayout } from "../storage/spec.js";
import { isNumericField } from "../storage/spec.js";
import { checkValue } from "./check-value.js";
import { entityKeyReader } from "./entity-key.js";
import type { RegistryIndex } from "./registry.js";
import { viewJoinKeys } from "./registry.js";

/** Validated records of one view, as an offline batch and as online records. */
export interface PreparedRecords {
  readonly view: ResolvedFeatureView;
  readonly layout: ViewLayout;
  readonly batch: OfflineBatch;
}

/** The view called `name`, or `NOT_FOUND`. */
export function viewNamed(registry: RegistryIndex, name: string): ResolvedFeatureView {
  const view = registry.views.get(name);
  if (view === undefined) {
    throw new MlstackError("NOT_FOUND", `unknown feature view "${name}": apply its definition first`, {
      details: { view: name },
    });
  }
  return view;
}

function bad(index: number, column: string, problem: string): MlstackError {
  return new MlstackError("INVALID_ARGUMENT", `records.${index}.${column}: ${problem}`, {
    details: { path: `records.${index}.${column}`, column },
  });
}

function timestamp(record: FeatureRecord, column: string, index: number): number {
  const value = record[column];
  if (Number.isInteger(value)) return value as number;
  throw bad(
    index,
    column,
    `expected an integer timestamp (epoch ms), got ${value === undefined ? "nothing" : typeof value}`,
  );
}

/**
 * Validates every record before anything is written (so a bad record writes nothing) and turns them
 * into columns. Without a created-timestamp field, `now` is every record's created time.
 */
export function prepareRecords(
  registry: RegistryIndex,
  viewName: string,
  records: readonly FeatureRecord[],
  now: number,
): PreparedRecords {
  const view = viewNamed(registry, viewName);
  const fields: readonly Field[] = view.schema.fields;
  const keyOf = entityKeyReader(viewJoinKeys(registry, view));
  const eventField = view.source.eventTimestampField;
  const createdField = view.source.createdTimestampField;
  const n = records.length;
  const keys: string[] = new Array(n);
  const eventTimes = new Float64Array(n);
  const createdTimes = new Float64Array(n);
  const columns: unknown[][] = fields.map(() => new Array(n));
  for (let i = 0; i < n; i++) {
    const record = records[i] as FeatureRecord;
    if (typeof record !== "object" || record === null) {
      throw new MlstackError("INVALID_ARGUMENT", `records.${i}: expected an object`, {
        details: { path: `records.${i}` },
      });
    }
    keys[i] = keyOf(record, "records", i);
    eventTimes[i] = timestamp(record, eventField, i);
    createdTimes[i] = createdField === undefined ? now : timestamp(record, createdField, i);
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f] as Field;
      const checked = checkValue(field, record[field.name]);
      if (!checked.ok) throw bad(i, field.name, checked.problem);
      (columns[f] as unknown[])[i] = checked.value;
    }
  }
  const digest = batchDigest(fields, keys, eventTimes, createdTimes, columns);
  return {
    view,
    layout: { name: view.name, fields },
    batch: { keys, eventTimes, createdTimes, columns, digest },
  };
}

// The content hash of a batch: numbers hashed as their float64 bytes (with the positions of nulls), other
// values as canonical JSON, so a million-row ingest is not slowed down by hashing.
function batchDigest(
  fields: readonly Field[],
  keys: readonly string[],
  eventTimes: Float64Array,
  createdTimes: Float64Array,
  columns: readonly unknown[][],
): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(keys));
  hash.update(new Uint8Array(eventTimes.buffer));
  hash.update(new Uint8Array(createdTimes.buffer));
  fields.forEach((field, f) => {
    const column = columns[f] as unknown[];
    if (!isNumericField(field)) {
      hash.update(canonicalJson(column));
      return;
    }
    const numbers = new Float64Array(column.length);
    const nulls: number[] = [];
    column.forEach((v, i) => {
      if (v === null) nulls.push(i);
      else numbers[i] = v as number;
    });
    hash.update(new Uint8Array(numbers.buffer));
    hash.update(JSON.stringify(nulls));
  });
  return hash.digest("hex");
}

/**
 * The online records of a batch: per key, the first record with the greatest event time, because a later
 * record with an equal event time is not newer and the stale-write rule would ignore it.
 */
export function latestPerKey(batch: OfflineBatch): OnlineRecord[] {
  const winner = new Map<string, number>();
  batch.keys.forEach((key, i) => {
    const best = winner.get(key);
    if (best === undefined || (batch.eventTimes[i] as number) > (batch.eventTimes[best] as number)) winner.set(key, i);
  });
  return [...winner].map(([key, i]) => ({
    key,
    eventTime: batch.eventTimes[i] as number,
    createdTime: batch.createdTimes[i] as number,
    values: batch.columns.map((column) => column[i]),
  }));
}
