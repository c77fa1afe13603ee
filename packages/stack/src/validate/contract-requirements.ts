import type { ModelContract } from "../spec.js";
import type { SlotRequirement } from "./slot-requirement.js";

/** The slots (and named bricks) a model contract needs, one requirement per stage it declares. */
export function contractRequirements(contract: ModelContract): SlotRequirement[] {
  const at = (stage: string): string => `models.${contract.name}.${stage}`;
  const named = (brick: string | undefined) => (brick === undefined ? {} : { brick });
  const reqs: SlotRequirement[] = [];
  if (contract.features) {
    reqs.push({
      slot: "features",
      ...named(contract.features.brick),
      missing: "error",
      lacking: "error",
      by: at("features"),
      at: at("features"),
      reason: "the model's features come from a FeatureStore",
      alternative: `remove ${at("features")}`,
    });
  }
  if (contract.trainer) {
    reqs.push({
      slot: "training",
      ...named(contract.trainer.brick),
      missing: "error",
      lacking: "error",
      by: at("trainer"),
      at: at("trainer"),
      reason: `trainer "${contract.trainer.name}@${contract.trainer.version}" runs on a TrainingEngine`,
      alternative: `remove ${at("trainer")}`,
    });
  }
  if (contract.deployment) {
    reqs.push({
      slot: "serving",
      ...named(contract.deployment.brick),
      missing: "error",
      lacking: "error",
      by: at("deployment"),
      at: at("deployment"),
      reason: `the model is served with the "${contract.deployment.runtime}" runtime`,
      alternative: `remove ${at("deployment")}`,
    });
  }
  if (contract.monitor) {
    reqs.push({
      slot: "monitor",
      ...named(contract.monitor.brick),
      capabilities: ["alerts"],
      missing: "error",
      lacking: "warning",
      by: at("monitor"),
      at: at("monitor"),
      reason: "the deployment's traffic is watched for drift, with a drift alert rule",
      alternative: `remove ${at("monitor")}`,
    });
  }
  if (contract.deployment && contract.monitor) {
    reqs.push({
      slot: "serving",
      ...named(contract.deployment.brick),
      capabilities: ["trafficSplit"],
      lacking: "warning",
      by: at("deployment"),
      at: at("deployment"),
      reason: "a drift loop (stack.onDrift) rolls a retrained version out as a canary by splitting traffic",
    });
  }
  return reqs;
}
