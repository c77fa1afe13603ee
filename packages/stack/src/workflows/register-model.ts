import { MlstackError } from "@mlstack/core";
import type { ModelVersion } from "@mlstack/metadata";
import type { RegisterModelInput } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the lineage work.
export async function registerModel(_core: StackCore, _input: RegisterModelInput): Promise<ModelVersion> {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
