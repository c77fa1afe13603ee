// The quickstart. Today it shows the contract every brick will share: a feature schema, a model
// signature that consumes it, and the compatibility check the Stack composer runs between them.
// It grows into the whole ML loop as the bricks land.
import { compareSchemas, createUuidV7Generator, defineSchema, refKey } from "@mlstack/core";

export function runQuickstart(log: (line: string) => void = console.log): { compatible: boolean } {
  const features = defineSchema([
    { name: "income", type: "float64" },
    { name: "loan_amount", type: "float64" },
    { name: "age", type: "int32" },
    { name: "employer", type: "string", nullable: true },
  ]);
  const modelInput = defineSchema([
    { name: "income", type: "float64" },
    { name: "loan_amount", type: "float32" },
    { name: "age", type: "int64" },
    { name: "credit_score", type: "float64" },
  ]);
  const comparison = compareSchemas(features, modelInput);
  log("feature schema → model signature:");
  for (const issue of comparison.issues) log(`  ${issue.severity.padEnd(7)} ${issue.code.padEnd(18)} ${issue.message}`);
  log(comparison.compatible ? "compatible" : "not compatible: fix the errors above before training");
  const id = createUuidV7Generator()();
  log(`a lineage ref: ${refKey({ kind: "run", runId: id })}`);
  return { compatible: comparison.compatible };
}

if (import.meta.url === `file://${process.argv[1]}`) runQuickstart();
