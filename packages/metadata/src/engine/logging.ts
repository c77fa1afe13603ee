import type { Ref } from "@mlstack/core";
import { MlstackError, parseInput, refKey } from "@mlstack/core";
import { z } from "zod";
import { idSchema, keySchema, logBatchSchema, metricHistorySchema, refListSchema } from "../schemas.js";
import type { LogBatchInput, MetricHistoryOptions, MetricPoint } from "../spec.js";
import type { EngineContext } from "./context.js";
import { requireLiveRun, requireRun, runExecutionId } from "./context.js";
import { downsampleMetricHistory, isLaterPoint } from "./latest-metric.js";

/**
 * Logs metrics, params and tags in one transaction. Params are write-once (a different value is
 * `CONFLICT`); tags overwrite, the last in the batch winning; metrics append, an exact duplicate
 * stored once. Metrics may be logged to a finished run; any write to a deleted run is `FAILED_PRECONDITION`.
 */
export async function logBatch(ctx: EngineContext, runId: string, batch: LogBatchInput): Promise<void> {
  const id = parseInput(idSchema, runId, "run id");
  const b = parseInput(logBatchSchema, batch, "batch");
  const now = ctx.clock.now();
  const points: MetricPoint[] = (b.metrics ?? []).map((m) => ({
    key: m.key,
    value: m.value,
    timestamp: m.timestamp ?? now,
    step: m.step ?? 0,
  }));
  await ctx.storage.write(async (tx) => {
    await requireLiveRun(tx, id);
    if (b.params?.length) {
      const stored = await tx.getParams(
        id,
        b.params.map((p) => p.key),
      );
      const fresh = new Map<string, string>();
      for (const { key, value } of b.params) {
        const old = stored.get(key);
        if (old === undefined) fresh.set(key, value);
        else if (old !== value) {
          throw new MlstackError("CONFLICT", `param "${key}" of run ${id} is already "${old}"; params are immutable`, {
            details: { runId: id, key, oldValue: old, newValue: value },
          });
        }
      }
      if (fresh.size > 0) await tx.insertParams(id, fresh);
    }
    if (b.tags?.length) await tx.putTags(id, new Map(b.tags.map((t) => [t.key, t.value])));
    if (points.length > 0) {
      const latest = await tx.getLatestMetrics(id, [...new Set(points.map((p) => p.key))]);
      const changed = new Map<string, MetricPoint>();
      for (const p of points) {
        const cur = latest.get(p.key);
        if (!cur || isLaterPoint(p, cur)) {
          latest.set(p.key, p);
          changed.set(p.key, p);
        }
      }
      if (changed.size > 0) await tx.putLatestMetrics(id, [...changed.values()]);
      await tx.appendMetrics(id, points);
    }
  });
}

/** Deletes a tag of a run; deleting an absent tag is not an error. */
export async function deleteTag(ctx: EngineContext, runId: string, key: string): Promise<void> {
  const id = parseInput(idSchema, runId, "run id");
  const k = parseInput(keySchema, key, "tag key");
  await ctx.storage.write(async (tx) => {
    await requireLiveRun(tx, id);
    await tx.deleteTag(id, k);
  });
}

/** Declares refs a run consumed: each becomes a lineage artifact with an input event of the run. */
export async function logInputs(ctx: EngineContext, runId: string, refs: Ref[]): Promise<void> {
  const id = parseInput(idSchema, runId, "run id");
  const list = parseInput(refListSchema, refs, "input refs");
  await ctx.storage.write(async (tx) => {
    await requireLiveRun(tx, id);
    const execution = runExecutionId(id);
    for (const ref of list) {
      const key = refKey(ref);
      if ((await tx.getArtifactNodes([key])).length === 0) await tx.putArtifactNode({ key, ref, properties: {} });
      const event = { artifact: key, execution, type: "input" as const };
      if (!(await tx.hasEvent(event))) await tx.insertEvent(event);
    }
  });
}

const keyInput = z.object({ runId: idSchema, key: keySchema });

/** The points of a metric key, optionally within a step range and down-sampled. */
export async function getMetricHistory(
  ctx: EngineContext,
  runId: string,
  key: string,
  options: MetricHistoryOptions = {},
): Promise<MetricPoint[]> {
  const q = parseInput(keyInput, { runId, key }, "metric history");
  const o = parseInput(metricHistorySchema, options, "metric history options");
  const points = await ctx.storage.read(async (tx) => {
    await requireRun(tx, q.runId);
    return await tx.metricHistory(
      q.runId,
      q.key,
      o.stepRange?.min ?? Number.MIN_SAFE_INTEGER,
      o.stepRange?.max ?? Number.MAX_SAFE_INTEGER,
    );
  });
  return o.maxPoints === undefined ? points : downsampleMetricHistory(points, o.maxPoints);
}
