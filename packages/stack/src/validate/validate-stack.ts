import { MlstackError } from "@mlstack/core";
import type { ValidationReport } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the validation work.
export function validateStack(_core: StackCore): ValidationReport {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
