import type { FindingSeverity, SlotName } from "../spec.js";

/**
 * One need for a filled slot, whoever declares it (a brick's `requires`, the stack's wiring, a model
 * contract): declarative, so a finding can say exactly what would satisfy it.
 */
export interface SlotRequirement {
  readonly slot: SlotName;
  /** A named brick of the slot; default the slot's default. */
  readonly brick?: string;
  /** Capability flags the brick must have set to true. */
  readonly capabilities?: readonly string[];
  /**
   * Severity when the slot (or the named brick) is missing; undefined when the row only checks the
   * capabilities of a brick that is there.
   */
  readonly missing?: FindingSeverity;
  /** Severity when a capability is false. */
  readonly lacking: FindingSeverity;
  /** Who needs it, for messages: `training (memory)`, `lineage wiring`, `models.churn.deployment`. */
  readonly by: string;
  /** Where a bad brick name is reported (a contract stage). */
  readonly at?: string;
  /** Why it is needed. */
  readonly reason: string;
  /** Another way out, appended to the hint: `set lineage.enabled: false`. */
  readonly alternative?: string;
}

/** The interface each slot takes, for hints. */
export const SLOT_INTERFACES: Readonly<Record<SlotName, string>> = Object.freeze({
  data: "a DataEngine, e.g. createMemoryDataEngine()",
  features: "a FeatureStore, e.g. createMemoryFeatureStore()",
  training: "a TrainingEngine, e.g. createTrainingEngine()",
  serving: "a ServingEngine, e.g. createServingEngine()",
  metadata: "a MetadataStore, e.g. createMemoryMetadataStore()",
  monitor: "a Monitor, e.g. createMemoryMonitor()",
});
