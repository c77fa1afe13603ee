import { MlstackError } from "@mlstack/core";
import type { DriftLoop, DriftPolicy } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the drift-loop work.
export function startDriftLoop(_core: StackCore, _policy: DriftPolicy): DriftLoop {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
