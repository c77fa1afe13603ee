import type { SlotEntry, SlotName } from "../spec.js";
import type { StackCore } from "../stack-core.js";

/**
 * The default start order of the slots: the MetadataStore first, since the others record into it; data
 * before the features and training that read it; serving after the registry it resolves models from;
 * the monitor last, after the serving it watches. Stop runs in reverse.
 */
export const DEFAULT_START_ORDER: readonly SlotName[] = Object.freeze([
  "metadata",
  "data",
  "features",
  "training",
  "serving",
  "monitor",
]);

/**
 * The bricks in start order: a topological order of the bricks' `requires` (every brick of a required
 * slot starts first), ties broken by {@link DEFAULT_START_ORDER}, then by slot entry order (the default
 * brick first). A cycle in `requires` cannot be honoured; it is broken by the default order.
 */
export function startOrder(core: StackCore): SlotEntry[] {
  const entries = core.entries();
  const rank = (e: SlotEntry): number => DEFAULT_START_ORDER.indexOf(e.slot) * entries.length + entries.indexOf(e);
  const needs = new Map<SlotEntry, Set<SlotName>>(
    entries.map((e) => [
      e,
      new Set((e.brick.requires ?? []).map((r) => r.slot as SlotName).filter((s) => s !== e.slot)),
    ]),
  );
  const remaining = [...entries].sort((a, b) => rank(a) - rank(b));
  const order: SlotEntry[] = [];
  while (remaining.length > 0) {
    const pending = new Set(remaining.map((e) => e.slot));
    // The first brick (by rank) whose required slots have all started; on a cycle, the first by rank.
    const i = Math.max(
      0,
      remaining.findIndex((e) => [...(needs.get(e) ?? [])].every((slot) => !pending.has(slot))),
    );
    order.push(...remaining.splice(i, 1));
  }
  return order;
}
