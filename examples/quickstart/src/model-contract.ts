// The declared contract of the model `loan-default` along the loop: what the FeatureStore produces, what
// the trainer reads, the signature the registry keeps, the tensors the deployment serves and the columns
// the Monitor watches. `stack.validate()` checks that each stage feeds the next before any data moves.
import { type DeploymentRef, defineSchema } from "@mlstack/core";
import type { ModelContract } from "@mlstack/stack";
import { FEATURES } from "./data-set.js";

/** The registered model's name, also the deployment's. */
export const MODEL = "loan-default";

/** The deployment that serves {@link MODEL}. */
export const DEPLOYMENT: DeploymentRef = { kind: "deployment", name: MODEL };

/** The DataEngine repo of loan applications. */
export const REPO = "loans";

/** The feature view of applicant profiles. */
export const VIEW = "applicant_profile";

/** The label the trainer learns. */
export const LABEL = "defaulted";

/** The feature columns as the view stores them (age is an integer). */
export const FEATURE_SCHEMA = defineSchema(
  FEATURES.map((name) => ({ name, type: name === "age" ? ("int32" as const) : ("float64" as const) })),
);

/** What the reference linear trainer registers: every input as float64, the default probability out. */
const MODEL_INPUTS = defineSchema(FEATURES.map((name) => ({ name, type: "float64" as const })));

/** The contract of {@link MODEL}, declared in the stack's options. */
export const loanDefaultContract: ModelContract = {
  name: MODEL,
  features: { features: FEATURES.map((f) => `${VIEW}:${f}`), schema: FEATURE_SCHEMA },
  trainer: { name: "mlstack.linear", version: "1", inputs: MODEL_INPUTS, label: LABEL },
  signature: { inputs: MODEL_INPUTS, outputs: defineSchema([{ name: "probability", type: "float64" }]) },
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
