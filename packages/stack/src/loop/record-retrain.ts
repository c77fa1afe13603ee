import type { DeploymentRef, ModelVersionRef, TrainingJobRef, TrainingSetRef } from "@mlstack/core";
import { toMlstackError } from "@mlstack/core";
import type { AlertEvent } from "@mlstack/monitor";
import type { StackCore } from "../stack-core.js";

/** The execution type of a drift retrain in lineage. */
export const RETRAIN_EXECUTION_TYPE = "stack.retrain";

/** What one retrain consumed and produced, for lineage. */
export interface RetrainRecord {
  readonly alert: AlertEvent;
  readonly champion: ModelVersionRef;
  readonly trainingSet: TrainingSetRef;
  readonly job: TrainingJobRef;
  readonly modelVersion: ModelVersionRef;
  /** The deployment at the revision that serves the canary. */
  readonly deployment: DeploymentRef & { readonly revision: number };
  readonly canaryWeight: number;
}

/**
 * Records a retrain as one `stack.retrain` execution: inputs the alert's monitor window, the champion
 * and the new training set; outputs the new model version and the deployment at its new revision.
 * The retrain itself has happened by now, so a failure to record is reported as `lineage.error`, not thrown.
 */
export async function recordRetrain(core: StackCore, record: RetrainRecord): Promise<void> {
  if (!core.find("metadata") || core.options.lineage?.enabled === false) return;
  const execution = `${RETRAIN_EXECUTION_TYPE}:${core.ids()}`;
  const { alert } = record;
  try {
    await core.wired("metadata").putLineage({
      executions: [
        {
          id: execution,
          type: RETRAIN_EXECUTION_TYPE,
          name: `retrain ${alert.rule.deployment}`,
          properties: {
            deployment: alert.rule.deployment,
            rule: alert.rule.name,
            metric: alert.rule.metric,
            ...(alert.value === null ? {} : { value: alert.value }),
            job: record.job.jobId,
            canaryWeight: record.canaryWeight,
            at: core.clock.now(),
          },
        },
      ],
      events: [
        { artifact: alert.window, execution, type: "input" },
        { artifact: record.champion, execution, type: "input" },
        { artifact: record.trainingSet, execution, type: "input" },
        { artifact: record.modelVersion, execution, type: "output" },
        { artifact: record.deployment, execution, type: "output" },
      ],
    });
    core.events.emit("lineage.recorded", { execution, type: RETRAIN_EXECUTION_TYPE });
  } catch (error) {
    core.events.emit("lineage.error", { what: `${RETRAIN_EXECUTION_TYPE} ${execution}`, error: toMlstackError(error) });
  }
}
