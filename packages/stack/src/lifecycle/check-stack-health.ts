import { MlstackError } from "@mlstack/core";
import type { HealthReport } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the validation/lifecycle work.
export async function checkStackHealth(_core: StackCore, _timeoutMs: number): Promise<HealthReport> {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
