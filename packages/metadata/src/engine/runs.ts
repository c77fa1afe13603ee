import { MlstackError, parseInput } from "@mlstack/core";
import { createRunSchema, endRunSchema, idSchema, updateRunSchema } from "../schemas.js";
import type { CreateRunInput, EndRunOptions, Run, RunInfo, TerminalRunStatus } from "../spec.js";
import type { MetadataTx } from "../storage/spec.js";
import type { EngineContext } from "./context.js";
import { experimentContextId, requireRun, runExecutionId } from "./context.js";

async function fullRun(tx: MetadataTx, runId: string): Promise<Run> {
  const [run] = await tx.getRuns([runId]);
  if (!run) throw new MlstackError("NOT_FOUND", `no run ${runId}`, { details: { runId } });
  return run;
}

/** Creates a run in an active experiment, as a lineage execution associated with the experiment's context. */
export async function createRun(ctx: EngineContext, input: CreateRunInput): Promise<Run> {
  const q = parseInput(createRunSchema, input, "run");
  const runId = ctx.ids();
  const info: RunInfo = {
    runId,
    experimentId: q.experimentId,
    name: q.name ?? runId,
    parentRunId: q.parentRunId ?? null,
    status: q.status ?? "RUNNING",
    lifecycle: "active",
    startTime: q.startTime ?? ctx.clock.now(),
    endTime: null,
    errorMessage: null,
  };
  const run = await ctx.storage.write(async (tx) => {
    const experiment = await tx.getExperiment(q.experimentId);
    if (!experiment) {
      throw new MlstackError("NOT_FOUND", `no experiment ${q.experimentId}`, {
        details: { experimentId: q.experimentId },
      });
    }
    if (experiment.lifecycle === "deleted") {
      throw new MlstackError("FAILED_PRECONDITION", `experiment ${q.experimentId} is deleted`, {
        details: { experimentId: q.experimentId },
      });
    }
    if (q.parentRunId !== undefined) await requireRun(tx, q.parentRunId);
    await tx.putRunInfo(info);
    if (q.tags) await tx.putTags(runId, new Map(Object.entries(q.tags)));
    const execution = runExecutionId(runId);
    await tx.putExecution({ id: execution, type: "run", name: info.name, properties: { runId } });
    await tx.putMemberships([], [{ execution, context: experimentContextId(q.experimentId) }]);
    const created: Run = { ...info, params: {}, tags: { ...q.tags }, metrics: {} };
    return created;
  });
  ctx.emit("runCreated", run);
  return run;
}

/** The run with its params, tags and latest metrics, or `NOT_FOUND`. */
export async function getRun(ctx: EngineContext, runId: string): Promise<Run> {
  const id = parseInput(idSchema, runId, "run id");
  return ctx.storage.read(async (tx) => await fullRun(tx, id));
}

function change(ctx: EngineContext, runId: string, fn: (run: RunInfo) => RunInfo): Promise<Run> {
  const id = parseInput(idSchema, runId, "run id");
  return ctx.storage.write(async (tx) => {
    await tx.putRunInfo(fn(await requireRun(tx, id)));
    return await fullRun(tx, id);
  });
}

function requireActive(run: RunInfo): void {
  if (run.lifecycle === "deleted") {
    throw new MlstackError("FAILED_PRECONDITION", `run ${run.runId} is deleted`, { details: { runId: run.runId } });
  }
}

/** Renames a run or moves it from `SCHEDULED` to `RUNNING`. */
export function updateRun(
  ctx: EngineContext,
  runId: string,
  input: { name?: string; status?: "RUNNING" },
): Promise<Run> {
  const q = parseInput(updateRunSchema, input, "run update");
  return change(ctx, runId, (run) => {
    requireActive(run);
    if (q.status && run.status !== "SCHEDULED" && run.status !== "RUNNING") {
      throw new MlstackError("FAILED_PRECONDITION", `run ${run.runId} has ended (${run.status})`, {
        details: { runId: run.runId, status: run.status },
      });
    }
    return { ...run, name: q.name ?? run.name, status: q.status ?? run.status };
  });
}

/** Ends an open run with a terminal status; a run ends once. */
export async function endRun(
  ctx: EngineContext,
  runId: string,
  status: TerminalRunStatus,
  options: EndRunOptions = {},
): Promise<Run> {
  const q = parseInput(endRunSchema, { status, ...options }, "run end");
  const run = await change(ctx, runId, (run) => {
    requireActive(run);
    if (run.status !== "RUNNING" && run.status !== "SCHEDULED") {
      throw new MlstackError("FAILED_PRECONDITION", `run ${run.runId} has already ended (${run.status})`, {
        details: { runId: run.runId, status: run.status },
      });
    }
    return { ...run, status: q.status, endTime: q.endTime ?? ctx.clock.now(), errorMessage: q.errorMessage ?? null };
  });
  ctx.emit("runEnded", run);
  return run;
}

/** Soft-deletes a run: it keeps its data, leaves searches of active runs, and refuses writes. */
export function deleteRun(ctx: EngineContext, runId: string): Promise<Run> {
  return change(ctx, runId, (run) => ({ ...run, lifecycle: "deleted" }));
}

/** Restores a soft-deleted run. */
export function restoreRun(ctx: EngineContext, runId: string): Promise<Run> {
  return change(ctx, runId, (run) => ({ ...run, lifecycle: "active" }));
}
