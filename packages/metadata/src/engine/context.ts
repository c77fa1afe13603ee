import type { ArtifactStore, Clock, IdGenerator } from "@mlstack/core";
import { MlstackError } from "@mlstack/core";
import type { MetadataStoreEvents, RunInfo } from "../spec.js";
import type { MetadataStorage, MetadataTx } from "../storage/spec.js";

/** What every engine function works with: the storage, injected time and ids, and the event sink. */
export interface EngineContext {
  readonly storage: MetadataStorage;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly artifacts: ArtifactStore | undefined;
  emit<E extends keyof MetadataStoreEvents>(event: E, ...args: Parameters<MetadataStoreEvents[E]>): void;
}

/** The lineage execution id of a run. */
export function runExecutionId(runId: string): string {
  return `run:${encodeURIComponent(runId)}`;
}

/** The lineage context id of an experiment. */
export function experimentContextId(experimentId: string): string {
  return `experiment:${encodeURIComponent(experimentId)}`;
}

/** The run, or `NOT_FOUND`. */
export async function requireRun(tx: MetadataTx, runId: string): Promise<RunInfo> {
  const run = await tx.getRunInfo(runId);
  if (!run) throw new MlstackError("NOT_FOUND", `no run ${runId}`, { details: { runId } });
  return run;
}

/** The run if it can be written to: `NOT_FOUND` when absent, `FAILED_PRECONDITION` when deleted. */
export async function requireLiveRun(tx: MetadataTx, runId: string): Promise<RunInfo> {
  const run = await requireRun(tx, runId);
  if (run.lifecycle === "deleted") {
    throw new MlstackError("FAILED_PRECONDITION", `run ${runId} is deleted; restore it before writing to it`, {
      details: { runId },
    });
  }
  return run;
}
