import { parseInput, toMlstackError } from "@mlstack/core";
import type { AlertEvent, AlertMetric } from "@mlstack/monitor";
import { z } from "zod";
import type { DriftLoop, DriftPolicy, DriftRetrain } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { contractOfDeployment } from "./contract-of-deployment.js";
import { retrainFromAlert } from "./retrain-from-alert.js";

/** The alert metrics that count as drift when a policy names no rules. */
export const DRIFT_METRICS: ReadonlySet<AlertMetric> = new Set(["dataset_drift", "drift_share", "column_drift_score"]);

/** The zod schema of {@link DriftPolicy}. */
export const driftPolicySchema = z.object({
  deployment: z.string().min(1),
  trainingSet: z.custom<DriftPolicy["trainingSet"]>((v) => typeof v === "function", "expected a function"),
  canaryWeight: z.number().int().min(1).max(100).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  alias: z.string().min(1).optional(),
  rules: z.array(z.string().min(1)).min(1).optional(),
});

/**
 * Starts the drift loop of a stack: on every `alert.firing` of the Monitor (the default one, or the one
 * the deployment's model contract names) for a drift rule of `policy.deployment`, retrain the
 * champion's trainer, register the model and canary it. One retrain runs at a time; alerts arriving
 * during it are covered by it (coalesced), not queued. Outcomes are `drift.retrain.*` events on the
 * stack: a failed retrain never becomes an unhandled rejection. `FAILED_PRECONDITION` when the stack
 * lacks a brick the loop needs.
 */
export function startDriftLoop(core: StackCore, policy: DriftPolicy): DriftLoop {
  const parsed = parseInput(driftPolicySchema, policy, "drift policy");
  const contract = contractOfDeployment(core, parsed.deployment);
  core.entry("serving", contract?.deployment?.brick);
  core.entry("training");
  core.entry("metadata");
  const monitor = core.wired("monitor", contract?.monitor?.brick);
  const rules = parsed.rules && new Set(parsed.rules);
  const retrains: DriftRetrain[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  const triggers = (alert: AlertEvent) =>
    alert.rule.deployment === parsed.deployment &&
    (rules ? rules.has(alert.rule.name) : DRIFT_METRICS.has(alert.rule.metric));

  // Listeners are the user's code: one that throws must not fail the retrain or escape as a rejection.
  const emit: typeof core.events.emit = (...args) => {
    try {
      return core.events.emit(...args);
    } catch {
      return true;
    }
  };

  const run = async (alert: AlertEvent): Promise<void> => {
    emit("drift.retrain.started", { alert });
    let retrain: DriftRetrain;
    try {
      retrain = await retrainFromAlert(core, parsed, alert);
    } catch (error) {
      emit("drift.retrain.failed", { alert, error: toMlstackError(error) });
      return;
    }
    retrains.push(retrain);
    emit("drift.retrain.completed", retrain);
  };

  const onFiring = (alert: AlertEvent): void => {
    if (closed || running || !triggers(alert)) return;
    running = run(alert).finally(() => {
      running = undefined;
    });
  };

  monitor.events.on("alert.firing", onFiring);
  return {
    get retrains() {
      return retrains.slice();
    },
    async idle() {
      await running;
    },
    async close() {
      closed = true;
      monitor.events.off("alert.firing", onFiring);
      await running;
    },
  };
}
