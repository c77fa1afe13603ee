import { compareSchemas, describeType, type Schema, type SchemaIssue } from "@mlstack/core";
import type { Finding } from "../spec.js";

/** One side of a schema comparison: the loop stage's name (`features`, `trainer`, ...) and its schema. */
export interface Stage {
  readonly stage: string;
  readonly schema: Schema;
}

/**
 * The findings of feeding `producer` into `consumer` (core's `compareSchemas`): errors become
 * `SCHEMA_INCOMPATIBLE`; a lossy conversion or a field read as null becomes a `SCHEMA_LOSSY` warning.
 * Messages name both stages and the field; `skip` leaves out fields already reported otherwise.
 */
export function compareStages(producer: Stage, consumer: Stage, path: string, skip: readonly string[] = []): Finding[] {
  const findings: Finding[] = [];
  for (const issue of compareSchemas(producer.schema, consumer.schema).issues) {
    if (skip.includes(issue.field)) continue;
    const lossy = issue.code === "LOSSY_CONVERSION" || issue.severity === "warning";
    findings.push({
      code: lossy ? "SCHEMA_LOSSY" : "SCHEMA_INCOMPATIBLE",
      severity: lossy ? "warning" : "error",
      path,
      message: `${producer.stage} → ${consumer.stage}: ${issue.message}`,
      hint: hintFor(issue, producer.stage, consumer.stage),
    });
  }
  return findings;
}

function hintFor(issue: SchemaIssue, producer: string, consumer: string): string {
  const f = `"${issue.field}"`;
  const want = describeType({ ...issue.consumer, nullable: false });
  const have = issue.producer === undefined ? want : describeType({ ...issue.producer, nullable: false });
  switch (issue.code) {
    case "MISSING_FIELD":
      return issue.severity === "warning"
        ? `add ${f} (${want}) to ${producer} if ${consumer} needs its values`
        : `add ${f} (${want}) to ${producer}, or remove it from ${consumer}`;
    case "TYPE_MISMATCH":
    case "LOSSY_CONVERSION":
      return `declare ${f} as ${want} in ${producer}, or as ${have} in ${consumer}`;
    case "VECTOR_LENGTH_MISMATCH":
      return `give ${f} the same vector length in ${producer} and ${consumer}`;
    case "NULLABLE_INTO_NON_NULLABLE":
      return `mark ${f} nullable in ${consumer}, or non-nullable in ${producer}`;
  }
}
