import type { ArtifactData, ArtifactRef, ArtifactStore } from "@mlstack/core";
import { MlstackError, parseInput, refKey } from "@mlstack/core";
import { z } from "zod";
import { idSchema, keySchema } from "../schemas.js";
import type { RunArtifact } from "../spec.js";
import type { EngineContext } from "./context.js";
import { requireLiveRun, requireRun, runExecutionId } from "./context.js";

const pathInput = z.object({ runId: idSchema, path: keySchema });

function store(ctx: EngineContext): ArtifactStore {
  if (!ctx.artifacts) throw new MlstackError("NOT_SUPPORTED", "this MetadataStore has no artifact store");
  return ctx.artifacts;
}

/**
 * Stores bytes in the artifact store and records them at `path` of the run (logging a path again
 * points it at the new bytes). The bytes become a lineage artifact with an output event of the run.
 */
export async function logArtifact(
  ctx: EngineContext,
  runId: string,
  path: string,
  data: ArtifactData,
): Promise<ArtifactRef> {
  const q = parseInput(pathInput, { runId, path }, "artifact");
  if (!(data instanceof Uint8Array) && !(typeof data === "object" && data !== null && Symbol.asyncIterator in data)) {
    throw new MlstackError("INVALID_ARGUMENT", "artifact data must be a Uint8Array or an AsyncIterable of them");
  }
  const artifacts = store(ctx);
  await ctx.storage.read(async (tx) => await requireLiveRun(tx, q.runId));
  const ref = await artifacts.put(data);
  const record: RunArtifact = { runId: q.runId, path: q.path, ref, loggedAt: ctx.clock.now() };
  await ctx.storage.write(async (tx) => {
    await requireLiveRun(tx, q.runId);
    await tx.putRunArtifact(record);
    const key = refKey(ref);
    if ((await tx.getArtifactNodes([key])).length === 0) await tx.putArtifactNode({ key, ref, properties: {} });
    const event = { artifact: key, execution: runExecutionId(q.runId), type: "output" as const };
    if (!(await tx.hasEvent(event))) await tx.insertEvent(event);
  });
  return ref;
}

/** The run's artifacts by path, optionally under a path prefix. */
export async function listArtifacts(ctx: EngineContext, runId: string, prefix?: string): Promise<RunArtifact[]> {
  const id = parseInput(idSchema, runId, "run id");
  const p = parseInput(z.string().max(250).optional(), prefix, "artifact path prefix");
  const all = await ctx.storage.read(async (tx) => {
    await requireRun(tx, id);
    return await tx.listRunArtifacts(id);
  });
  return p === undefined ? all : all.filter((a) => a.path.startsWith(p));
}

/** The bytes at `path` of the run, digest-verified by the artifact store. */
export async function readArtifact(ctx: EngineContext, runId: string, path: string): Promise<Uint8Array> {
  const q = parseInput(pathInput, { runId, path }, "artifact");
  const artifacts = store(ctx);
  const record = await ctx.storage.read(async (tx) => {
    await requireRun(tx, q.runId);
    return await tx.getRunArtifact(q.runId, q.path);
  });
  if (!record) throw new MlstackError("NOT_FOUND", `run ${q.runId} has no artifact at ${q.path}`, { details: q });
  return artifacts.get(record.ref);
}
