import { MlstackError, type Ref } from "@mlstack/core";
import type { LineageGraph } from "@mlstack/metadata";
import type { Explanation } from "../spec.js";

// PLACEHOLDER (lead): replaced by the lineage work.
export function explainLineage(_start: Ref, _graph: LineageGraph, _direction: string): Explanation {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
