import { MlstackError } from "@mlstack/core";
import type { BuildTrainingSetRequest, StackTrainingSet } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the lineage work.
export async function buildTrainingSet(_core: StackCore, _request: BuildTrainingSetRequest): Promise<StackTrainingSet> {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
