import { MlstackError } from "@mlstack/core";
import type { DataEngine } from "@mlstack/data";
import type { InputResolver } from "@mlstack/training";

// PLACEHOLDER (lead): replaced by the lineage work (reads the training-set snapshots buildTrainingSet commits).
export function dataInputResolver(_data: DataEngine, _options: { readonly repo?: string } = {}): InputResolver {
  return {
    read() {
      throw new MlstackError("NOT_SUPPORTED", "not built yet");
    },
  };
}
