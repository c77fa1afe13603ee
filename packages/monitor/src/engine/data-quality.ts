import type { Field, Schema } from "@mlstack/core";
import type { QualityIssue, QualityIssueKind } from "../spec.js";
import { categoryValue, columnKind, numericValue, otherValueOk } from "./column-profile.js";

const MAX_EXAMPLES = 5;

/** One row to check: its features and request id. */
export interface QualityRow {
  features: Readonly<Record<string, unknown>>;
  requestId?: string;
}

/** What the quality check knows besides the schema. */
export interface QualityContext {
  /** Declared ranges of numeric columns. */
  ranges: Readonly<Record<string, { min?: number; max?: number }>>;
  /** Categories seen in the reference, per categorical column (absent: no unseen-category check). */
  referenceCategories: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Checks rows against a schema: missing columns (absent from a row, for non-nullable fields), wrong
 * types, nulls in non-nullable fields, NaN/±Infinity in float columns, values outside declared ranges,
 * and categories the reference never had. Counts every problem and keeps a few examples of each.
 */
export function checkQuality(schema: Schema, rows: readonly QualityRow[], context: QualityContext): QualityIssue[] {
  const issues = new Map<string, QualityIssue>();
  const report = (column: string, kind: QualityIssueKind, row: QualityRow, value: unknown) => {
    const key = `${column}\u0000${kind}`;
    let issue = issues.get(key);
    if (!issue) issues.set(key, (issue = { column, kind, count: 0, examples: [] }));
    issue.count++;
    if (issue.examples.length < MAX_EXAMPLES) {
      issue.examples.push(row.requestId === undefined ? { value } : { requestId: row.requestId, value });
    }
  };
  for (const row of rows) {
    for (const field of schema.fields) checkValue(field, row, report, context);
  }
  return [...issues.values()];
}

function checkValue(
  field: Field,
  row: QualityRow,
  report: (column: string, kind: QualityIssueKind, row: QualityRow, value: unknown) => void,
  context: QualityContext,
): void {
  const present = Object.hasOwn(row.features, field.name);
  const value = row.features[field.name];
  if (!present || value === undefined) {
    if (!field.nullable) report(field.name, "missing-column", row, undefined);
    return;
  }
  if (value === null) {
    if (!field.nullable) report(field.name, "null-in-non-nullable", row, null);
    return;
  }
  const kind = columnKind(field);
  if (kind === "numeric") {
    const x = numericValue(value, field.type);
    if (x === undefined) {
      report(field.name, "wrong-type", row, value);
      return;
    }
    if (!Number.isFinite(x)) {
      report(field.name, "non-finite", row, value);
      return;
    }
    const range = context.ranges[field.name];
    if (range && ((range.min !== undefined && x < range.min) || (range.max !== undefined && x > range.max))) {
      report(field.name, "out-of-range", row, value);
    }
    return;
  }
  if (kind === "categorical") {
    const category = categoryValue(value, field.type);
    if (category === undefined) {
      report(field.name, "wrong-type", row, value);
      return;
    }
    const known = context.referenceCategories.get(field.name);
    if (known && !known.has(category)) report(field.name, "unseen-category", row, value);
    return;
  }
  if (!otherValueOk(value, field.type, field.length)) report(field.name, "wrong-type", row, value);
}
