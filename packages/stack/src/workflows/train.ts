import { MlstackError, type TrainingJobRef } from "@mlstack/core";
import type { Run } from "@mlstack/metadata";
import type { JobSpecInput, SweepSpecInput } from "@mlstack/training";
import type { StackSweepResult, TrainedModel } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the lineage work.
export async function trainJob(_core: StackCore, _spec: JobSpecInput): Promise<TrainedModel> {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
export async function trainSweep(
  _core: StackCore,
  _spec: SweepSpecInput,
  _options: { readonly signal?: AbortSignal },
): Promise<StackSweepResult> {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
export async function runOf(_core: StackCore, _job: TrainingJobRef): Promise<Run> {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
