import type { SlotEntry, SlotName, StackBrickMap } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the lineage work.
export function wireBrick<K extends SlotName>(_core: StackCore, entry: SlotEntry<K>): StackBrickMap[K] {
  return entry.brick;
}
