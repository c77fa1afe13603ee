import { MlstackError, parseInput } from "@mlstack/core";
import { z } from "zod";
import { createExperimentSchema, idSchema, keySchema, searchExperimentsSchema, tagValueSchema } from "../schemas.js";
import type { CreateExperimentInput, Experiment, Page, SearchExperimentsInput } from "../spec.js";
import type { Awaitable, MetadataTx } from "../storage/spec.js";
import type { EngineContext } from "./context.js";
import { experimentContextId } from "./context.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { compareCodePoints, compileLike } from "./run-filter.js";

const nameSchema = createExperimentSchema.shape.name;

async function requireExperiment(tx: MetadataTx, experimentId: string): Promise<Experiment> {
  const e = await tx.getExperiment(experimentId);
  if (!e) throw new MlstackError("NOT_FOUND", `no experiment ${experimentId}`, { details: { experimentId } });
  return e;
}

async function requireFreeName(tx: MetadataTx, name: string): Promise<void> {
  const other = await tx.getExperimentByName(name);
  if (other) {
    throw new MlstackError("ALREADY_EXISTS", `an experiment named "${name}" exists (${other.lifecycle})`, {
      details: { name, experimentId: other.experimentId, lifecycle: other.lifecycle },
    });
  }
}

// Keeps the experiment's lineage context in step with its name.
async function putContext(tx: MetadataTx, e: Experiment): Promise<void> {
  await tx.putContext({ id: experimentContextId(e.experimentId), type: "experiment", name: e.name, properties: {} });
}

/** Creates an experiment; the name must be unused by active and deleted experiments alike. */
export async function createExperiment(ctx: EngineContext, input: CreateExperimentInput): Promise<Experiment> {
  const { name, tags } = parseInput(createExperimentSchema, input, "experiment");
  const now = ctx.clock.now();
  const experiment: Experiment = {
    experimentId: ctx.ids(),
    name,
    lifecycle: "active",
    tags: { ...tags },
    createdAt: now,
    updatedAt: now,
  };
  return ctx.storage.write(async (tx) => {
    await requireFreeName(tx, name);
    await tx.putExperiment(experiment);
    await putContext(tx, experiment);
    return experiment;
  });
}

/** The experiment, or `NOT_FOUND`. */
export async function getExperiment(ctx: EngineContext, experimentId: string): Promise<Experiment> {
  const id = parseInput(idSchema, experimentId, "experiment id");
  return ctx.storage.read(async (tx) => await requireExperiment(tx, id));
}

/** The experiment with this name (active or deleted), or `NOT_FOUND`. */
export async function getExperimentByName(ctx: EngineContext, name: string): Promise<Experiment> {
  const n = parseInput(nameSchema, name, "experiment name");
  return ctx.storage.read(async (tx) => {
    const e = await tx.getExperimentByName(n);
    if (!e) throw new MlstackError("NOT_FOUND", `no experiment named "${n}"`, { details: { name: n } });
    return e;
  });
}

/** Experiments by name (code point order), filtered by lifecycle and a `like` pattern. */
export async function searchExperiments(
  ctx: EngineContext,
  input: SearchExperimentsInput = {},
): Promise<Page<Experiment>> {
  const q = parseInput(searchExperimentsSchema, input, "experiment search");
  const fingerprint = { nameLike: q.nameLike, lifecycle: q.lifecycle };
  const offset = decodePageToken(fingerprint, q.pageToken);
  const pageSize = q.pageSize ?? 100;
  const lifecycle = q.lifecycle ?? "active";
  const match = q.nameLike === undefined ? () => true : compileLike(q.nameLike);
  const all = await ctx.storage.read(async (tx) => await tx.listExperiments());
  const hits = all
    .filter((e) => (lifecycle === "all" || e.lifecycle === lifecycle) && match(e.name))
    .sort((a, b) => compareCodePoints(a.name, b.name));
  const items = hits.slice(offset, offset + pageSize);
  const more = offset + pageSize < hits.length;
  return more ? { items, nextPageToken: encodePageToken(fingerprint, offset + pageSize) } : { items };
}

async function update(
  ctx: EngineContext,
  experimentId: string,
  change: (e: Experiment, tx: MetadataTx) => Awaitable<Experiment>,
): Promise<Experiment> {
  const id = parseInput(idSchema, experimentId, "experiment id");
  return ctx.storage.write(async (tx) => {
    const next = { ...(await change(await requireExperiment(tx, id), tx)), updatedAt: ctx.clock.now() };
    await tx.putExperiment(next);
    await putContext(tx, next);
    return next;
  });
}

/** Renames an experiment; the new name must be unused. */
export function renameExperiment(ctx: EngineContext, experimentId: string, name: string): Promise<Experiment> {
  const n = parseInput(nameSchema, name, "experiment name");
  return update(ctx, experimentId, async (e, tx) => {
    if (e.name !== n) await requireFreeName(tx, n);
    return { ...e, name: n };
  });
}

/** Soft-deletes an experiment: it keeps its name and runs, and takes no new runs. */
export function deleteExperiment(ctx: EngineContext, experimentId: string): Promise<Experiment> {
  return update(ctx, experimentId, (e) => ({ ...e, lifecycle: "deleted" }));
}

/** Restores a soft-deleted experiment. */
export function restoreExperiment(ctx: EngineContext, experimentId: string): Promise<Experiment> {
  return update(ctx, experimentId, (e) => ({ ...e, lifecycle: "active" }));
}

const tagInput = z.object({ key: keySchema, value: tagValueSchema });

/** Sets one tag of an experiment (overwrites). */
export async function setExperimentTag(
  ctx: EngineContext,
  experimentId: string,
  key: string,
  value: string,
): Promise<void> {
  const tag = parseInput(tagInput, { key, value }, "experiment tag");
  await update(ctx, experimentId, (e) => ({ ...e, tags: { ...e.tags, [tag.key]: tag.value } }));
}
