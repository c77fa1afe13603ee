import type { Field, ScalarType, Schema } from "./schema.js";
import { describeType } from "./schema.js";

/** What kind of incompatibility a {@link SchemaIssue} is. */
export type SchemaIssueCode =
  /** The consumer needs a field the producer does not have. */
  | "MISSING_FIELD"
  /** No conversion exists between the two types. */
  | "TYPE_MISMATCH"
  /** A conversion exists but can lose data (int64 → float64, float64 → float32, int64 → int32). */
  | "LOSSY_CONVERSION"
  /** Vectors of different lengths. */
  | "VECTOR_LENGTH_MISMATCH"
  /** The producer may emit null where the consumer does not accept it. */
  | "NULLABLE_INTO_NON_NULLABLE";

/** One incompatibility between a producer's schema and a consumer's. */
export interface SchemaIssue {
  readonly code: SchemaIssueCode;
  /** `error` breaks the consumer; `warning` may work but deserves a look. */
  readonly severity: "error" | "warning";
  /** The consumer's field name. */
  readonly field: string;
  readonly producer?: Field;
  readonly consumer: Field;
  readonly message: string;
}

/** The result of {@link compareSchemas}. */
export interface SchemaComparison {
  /** True when no issue is an error. */
  readonly compatible: boolean;
  /** Every issue found, in the consumer's field order. */
  readonly issues: readonly SchemaIssue[];
}

// Conversions from producer type to consumer type: "safe" keeps every value, "lossy" may not.
const CONVERSIONS: Partial<Record<ScalarType, Partial<Record<ScalarType, "safe" | "lossy">>>> = {
  bool: { bool: "safe" },
  int32: { int32: "safe", int64: "safe", float64: "safe", float32: "lossy" },
  int64: { int64: "safe", int32: "lossy", float64: "lossy", float32: "lossy", timestamp: "safe" },
  float32: { float32: "safe", float64: "safe" },
  float64: { float64: "safe", float32: "lossy" },
  string: { string: "safe" },
  bytes: { bytes: "safe" },
  timestamp: { timestamp: "safe", int64: "safe" },
};

function compareField(producer: Field, consumer: Field): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const base = { field: consumer.name, producer, consumer };
  const types = `${describeType(producer)} → ${describeType(consumer)}`;
  if (producer.type === "vector" || consumer.type === "vector") {
    if (producer.type !== consumer.type) {
      issues.push({
        ...base,
        code: "TYPE_MISMATCH",
        severity: "error",
        message: `field "${consumer.name}": ${types} has no conversion`,
      });
    } else if (producer.length !== consumer.length) {
      issues.push({
        ...base,
        code: "VECTOR_LENGTH_MISMATCH",
        severity: "error",
        message: `field "${consumer.name}": vector length ${producer.length} does not match ${consumer.length}`,
      });
    }
  } else {
    const conversion = CONVERSIONS[producer.type]?.[consumer.type];
    if (conversion === undefined) {
      issues.push({
        ...base,
        code: "TYPE_MISMATCH",
        severity: "error",
        message: `field "${consumer.name}": ${types} has no conversion`,
      });
    } else if (conversion === "lossy") {
      issues.push({
        ...base,
        code: "LOSSY_CONVERSION",
        severity: "error",
        message: `field "${consumer.name}": ${types} can lose data`,
      });
    }
  }
  if (producer.nullable && !consumer.nullable) {
    issues.push({
      ...base,
      code: "NULLABLE_INTO_NON_NULLABLE",
      severity: "error",
      message: `field "${consumer.name}": the producer may emit null but the consumer does not accept it`,
    });
  }
  return issues;
}

/**
 * Every incompatibility between what `producer` emits and what `consumer` reads, matched by field name.
 * Fields the producer has and the consumer ignores are fine. A missing consumer field is an error, or a
 * warning when the consumer's field is nullable (it will read null).
 */
export function compareSchemas(producer: Schema, consumer: Schema): SchemaComparison {
  const byName = new Map(producer.fields.map((f) => [f.name, f]));
  const issues: SchemaIssue[] = [];
  for (const c of consumer.fields) {
    const p = byName.get(c.name);
    if (p === undefined) {
      issues.push({
        code: "MISSING_FIELD",
        severity: c.nullable ? "warning" : "error",
        field: c.name,
        consumer: c,
        message: `field "${c.name}" (${describeType(c)}) is not produced${c.nullable ? "; the consumer will read null" : ""}`,
      });
      continue;
    }
    issues.push(...compareField(p, c));
  }
  return { compatible: issues.every((i) => i.severity !== "error"), issues };
}
