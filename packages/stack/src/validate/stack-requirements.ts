import type { StackOptions } from "../spec.js";
import type { SlotRequirement } from "./slot-requirement.js";

/** One row of {@link STACK_REQUIREMENTS}: a need of the stack's own wiring, and when it applies. */
export interface StackRequirementRow {
  /** When the row applies, from the options alone. */
  readonly when: (options: StackOptions) => boolean;
  readonly requirement: SlotRequirement;
}

const lineageOn = (o: StackOptions): boolean => o.lineage?.enabled ?? true;
const lineageOff = "set lineage: { enabled: false }";

/**
 * What the stack itself needs from its slots, as data. Lineage is on by default: without a MetadataStore
 * nothing is recorded (a warning, since every brick still works); with one, it must keep a lineage graph.
 * The model registry and artifacts only serve `registerModel` and logging model bytes on runs, so their
 * absence is a warning. (An audited policy without a MetadataStore is refused by `defineStack` itself: audit records must
 * never be silently lost.)
 */
export const STACK_REQUIREMENTS: readonly StackRequirementRow[] = Object.freeze([
  {
    when: lineageOn,
    requirement: {
      slot: "metadata",
      capabilities: ["lineage"],
      missing: "warning",
      lacking: "error",
      by: "lineage wiring",
      reason: "the stack records data commits, training sets, runs, model versions and deployments as lineage",
      alternative: lineageOff,
    },
  },
  {
    when: lineageOn,
    requirement: {
      slot: "metadata",
      capabilities: ["modelRegistry"],
      lacking: "warning",
      by: "stack.registerModel",
      reason: "model versions are registered from their training runs",
    },
  },
  {
    when: lineageOn,
    requirement: {
      slot: "metadata",
      capabilities: ["artifacts"],
      lacking: "warning",
      by: "lineage wiring",
      reason: "model bytes are logged as artifacts on the training runs",
    },
  },
]);
