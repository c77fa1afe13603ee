import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the lineage work.
export class LineageRecorder {
  constructor(_core: StackCore) {}
  async idle(): Promise<void> {}
}
