import type { Principal, SlotEntry, SlotName, StackBrickMap } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the access-policy work.
export function guardBrick<K extends SlotName>(
  _core: StackCore,
  _principal: Principal,
  _entry: SlotEntry<K>,
  brick: StackBrickMap[K],
): StackBrickMap[K] {
  return brick;
}
