import type { SlotEntry, SlotName, StackBrickMap } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { wireFeatureStore } from "./wire-feature-store.js";
import { wireMonitor } from "./wire-monitor.js";

/**
 * The brick as the stack's workflows and users call it: FeatureStores record the training sets they
 * build and Monitors the windows they log (the other bricks are watched through their events by the
 * lineage recorder, so they come back unchanged). Without lineage every brick comes back unchanged.
 */
export function wireBrick<K extends SlotName>(core: StackCore, entry: SlotEntry<K>): StackBrickMap[K] {
  const recorder = core.lineage;
  if (recorder === undefined) return entry.brick;
  if (entry.slot === "features") {
    return wireFeatureStore(recorder, entry as SlotEntry<"features">) as StackBrickMap[K];
  }
  if (entry.slot === "monitor") return wireMonitor(core, recorder, entry as SlotEntry<"monitor">) as StackBrickMap[K];
  return entry.brick;
}
