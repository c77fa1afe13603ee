// What the application works on: a churn table, its feature view and the model trained on it, with the
// model's contract along the loop (features → trainer → registry → deployment), which `stack.validate()`
// checks on every backend before any data moves.
import { type DeploymentRef, defineSchema } from "@mlstack/core";
import type { ModelContract } from "@mlstack/stack";

/** The DataEngine repo of customer snapshots. */
export const REPO = "customers";

/** The table's path in the repo. */
export const TABLE = "snapshots.jsonl";

/** The feature view of customer activity. */
export const VIEW = "customer_activity";

/** The feature columns, in the order the model reads them. */
export const FEATURES = ["tenure_months", "monthly_spend", "support_calls"] as const;

/** The label the trainer learns. */
export const LABEL = "churned";

/** The registered model's name, also its deployment's. */
export const MODEL = "churn";

/** The deployment that serves {@link MODEL}. */
export const DEPLOYMENT: DeploymentRef = { kind: "deployment", name: MODEL };

/** The feature columns as the view stores them and the trainer reads them. */
export const FEATURE_SCHEMA = defineSchema(FEATURES.map((name) => ({ name, type: "float64" as const })));

/** The contract of {@link MODEL}, declared in the stack's options on every backend. */
export const churnContract: ModelContract = {
  name: MODEL,
  features: { features: FEATURES.map((f) => `${VIEW}:${f}`), schema: FEATURE_SCHEMA },
  trainer: { name: "mlstack.linear", version: "1", inputs: FEATURE_SCHEMA, label: LABEL },
  signature: { inputs: FEATURE_SCHEMA, outputs: defineSchema([{ name: "probability", type: "float64" }]) },
  deployment: {
    runtime: "linear",
    // The linear runtime reads one FP64 matrix of the input fields in order and answers one FP64 vector.
    signature: {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, FEATURES.length] }],
      outputs: [{ name: "probability", datatype: "FP64", shape: [-1] }],
    },
  },
  monitor: { schema: FEATURE_SCHEMA },
};
