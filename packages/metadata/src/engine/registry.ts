import { MlstackError, parseInput, refKey } from "@mlstack/core";
import { z } from "zod";
import {
  aliasOptionsSchema,
  aliasSchema,
  createModelSchema,
  createModelVersionSchema,
  modelNameSchema,
  searchModelVersionsSchema,
  versionSchema,
} from "../schemas.js";
import type {
  AliasMove,
  AliasOptions,
  CreateModelVersionInput,
  ModelVersion,
  RegisteredModel,
  SearchModelVersionsInput,
} from "../spec.js";
import { modelVersionRef } from "../spec.js";
import type { MetadataTx, StoredModel } from "../storage/spec.js";
import type { EngineContext } from "./context.js";
import { requireRun, runExecutionId } from "./context.js";
import { compareCodePoints, compileLike } from "./run-filter.js";

async function requireModel(tx: MetadataTx, name: string): Promise<StoredModel> {
  const m = await tx.getModel(name);
  if (!m) throw new MlstackError("NOT_FOUND", `no registered model "${name}"`, { details: { model: name } });
  return m;
}

async function requireVersion(tx: MetadataTx, model: string, version: string): Promise<ModelVersion> {
  const v = await tx.getModelVersion(model, version);
  if (!v)
    throw new MlstackError("NOT_FOUND", `model "${model}" has no version ${version}`, { details: { model, version } });
  return v;
}

async function withAliases(tx: MetadataTx, m: StoredModel): Promise<RegisteredModel> {
  return { ...m, aliases: Object.fromEntries(await tx.getAliases(m.name)) };
}

/** Creates a registered model; `ALREADY_EXISTS` if the name is taken. */
export async function createRegisteredModel(
  ctx: EngineContext,
  name: string,
  options: { description?: string; tags?: Record<string, string> } = {},
): Promise<RegisteredModel> {
  const q = parseInput(createModelSchema, { name, ...options }, "registered model");
  const now = ctx.clock.now();
  const model: StoredModel = {
    name: q.name,
    description: q.description ?? "",
    tags: { ...q.tags },
    lastVersion: 0,
    createdAt: now,
    updatedAt: now,
  };
  return ctx.storage.write(async (tx) => {
    if (await tx.getModel(q.name)) {
      throw new MlstackError("ALREADY_EXISTS", `a registered model named "${q.name}" exists`, {
        details: { model: q.name },
      });
    }
    await tx.putModel(model);
    return { ...model, aliases: {} };
  });
}

/** The model with its aliases, or `NOT_FOUND`. */
export async function getRegisteredModel(ctx: EngineContext, name: string): Promise<RegisteredModel> {
  const n = parseInput(modelNameSchema, name, "model name");
  return ctx.storage.read(async (tx) => await withAliases(tx, await requireModel(tx, n)));
}

/** Models by name, optionally filtered by a `like` pattern. */
export async function searchRegisteredModels(
  ctx: EngineContext,
  input: { nameLike?: string } = {},
): Promise<RegisteredModel[]> {
  const q = parseInput(z.object({ nameLike: z.string().optional() }), input, "model search");
  const match = q.nameLike === undefined ? () => true : compileLike(q.nameLike);
  return ctx.storage.read(async (tx) => {
    const models = (await tx.listModels())
      .filter((m) => match(m.name))
      .sort((a, b) => compareCodePoints(a.name, b.name));
    const out: RegisteredModel[] = [];
    for (const m of models) out.push(await withAliases(tx, m));
    return out;
  });
}

/**
 * Creates the next version ("1", "2", ...; never reused). With `runId`, the version becomes a lineage
 * output of the run, so walking upstream from it reaches what the run consumed.
 */
export async function createModelVersion(
  ctx: EngineContext,
  model: string,
  input: CreateModelVersionInput,
): Promise<ModelVersion> {
  const name = parseInput(modelNameSchema, model, "model name");
  const q = parseInput(createModelVersionSchema, input, "model version");
  const now = ctx.clock.now();
  const created = await ctx.storage.write(async (tx) => {
    const m = await requireModel(tx, name);
    if (q.runId !== undefined) await requireRun(tx, q.runId);
    const version: ModelVersion = {
      model: name,
      version: String(m.lastVersion + 1),
      source: q.source,
      runId: q.runId ?? null,
      signature: q.signature ?? null,
      description: q.description ?? "",
      tags: { ...q.tags },
      createdAt: now,
      deletedAt: null,
    };
    await tx.putModel({ ...m, lastVersion: m.lastVersion + 1, updatedAt: now });
    await tx.putModelVersion(version);
    const ref = modelVersionRef(version);
    const key = refKey(ref);
    await tx.putArtifactNode({ key, ref, properties: { source: q.source.uri, digest: q.source.digest } });
    if (q.runId !== undefined)
      await tx.insertEvent({ artifact: key, execution: runExecutionId(q.runId), type: "output" });
    return version;
  });
  ctx.emit("modelVersionCreated", created);
  return created;
}

const versionInput = z.object({ model: modelNameSchema, version: versionSchema });

/** A version or its tombstone, or `NOT_FOUND`. */
export async function getModelVersion(ctx: EngineContext, model: string, version: string): Promise<ModelVersion> {
  const q = parseInput(versionInput, { model, version }, "model version");
  return ctx.storage.read(async (tx) => await requireVersion(tx, q.model, q.version));
}

/** Tombstones a version (idempotent) and deletes the aliases that pointed at it, recording each move. */
export async function deleteModelVersion(ctx: EngineContext, model: string, version: string): Promise<ModelVersion> {
  const q = parseInput(versionInput, { model, version }, "model version");
  const now = ctx.clock.now();
  const { tombstone, moves } = await ctx.storage.write(async (tx) => {
    const v = await requireVersion(tx, q.model, q.version);
    if (v.deletedAt !== null) return { tombstone: v, moves: [] };
    const tombstone = { ...v, deletedAt: now };
    await tx.putModelVersion(tombstone);
    const moves: AliasMove[] = [];
    // By alias name, so the recorded moves come in the same order on every backend.
    const aliases = [...(await tx.getAliases(q.model))].sort(([x], [y]) => compareCodePoints(x, y));
    for (const [alias, target] of aliases) {
      if (target !== q.version) continue;
      const move: AliasMove = { model: q.model, alias, from: target, to: null, at: now, by: null };
      await tx.putAlias(q.model, alias, null);
      await tx.appendAliasMove(move);
      moves.push(move);
    }
    return { tombstone, moves };
  });
  for (const move of moves) ctx.emit("aliasMoved", move);
  return tombstone;
}

/** Versions by model name, then version number. */
export async function searchModelVersions(
  ctx: EngineContext,
  input: SearchModelVersionsInput = {},
): Promise<ModelVersion[]> {
  const q = parseInput(searchModelVersionsSchema, input, "model version search");
  const all = await ctx.storage.read(
    async (tx) =>
      await tx.listModelVersions({ ...(q.model ? { model: q.model } : {}), ...(q.runId ? { runId: q.runId } : {}) }),
  );
  return all
    .filter((v) => q.includeDeleted || v.deletedAt === null)
    .sort((a, b) => compareCodePoints(a.model, b.model) || Number(a.version) - Number(b.version));
}

const aliasInput = z.object({ model: modelNameSchema, alias: aliasSchema });

function checkExpected(
  model: string,
  alias: string,
  current: string | null,
  expected: string | null | undefined,
): void {
  if (expected !== undefined && expected !== current) {
    throw new MlstackError(
      "CONFLICT",
      `alias "${alias}" of "${model}" points at ${current ?? "nothing"}, not ${expected ?? "nothing"}`,
      {
        details: { model, alias, expected, actual: current },
      },
    );
  }
}

/** Points an alias at a live version, recording the move; a stale `expected` is `CONFLICT`. */
export async function setAlias(
  ctx: EngineContext,
  model: string,
  alias: string,
  version: string,
  options: AliasOptions = {},
): Promise<AliasMove> {
  const q = parseInput(aliasInput, { model, alias }, "alias");
  const v = parseInput(versionSchema, version, "version");
  const o = parseInput(aliasOptionsSchema, options, "alias options");
  const now = ctx.clock.now();
  const { move, moved } = await ctx.storage.write(async (tx) => {
    await requireModel(tx, q.model);
    const target = await requireVersion(tx, q.model, v);
    if (target.deletedAt !== null) {
      throw new MlstackError("FAILED_PRECONDITION", `version ${v} of "${q.model}" is deleted`, {
        details: { model: q.model, version: v },
      });
    }
    const current = (await tx.getAliases(q.model)).get(q.alias) ?? null;
    checkExpected(q.model, q.alias, current, o.expected);
    const move: AliasMove = { model: q.model, alias: q.alias, from: current, to: v, at: now, by: o.by ?? null };
    if (current === v) return { move, moved: false };
    await tx.putAlias(q.model, q.alias, v);
    await tx.appendAliasMove(move);
    return { move, moved: true };
  });
  if (moved) ctx.emit("aliasMoved", move);
  return move;
}

/** Deletes an alias, recording the move; `NOT_FOUND` when it is not set. */
export async function deleteAlias(
  ctx: EngineContext,
  model: string,
  alias: string,
  options: AliasOptions = {},
): Promise<AliasMove> {
  const q = parseInput(aliasInput, { model, alias }, "alias");
  const o = parseInput(aliasOptionsSchema, options, "alias options");
  const now = ctx.clock.now();
  const move = await ctx.storage.write(async (tx) => {
    await requireModel(tx, q.model);
    const current = (await tx.getAliases(q.model)).get(q.alias) ?? null;
    checkExpected(q.model, q.alias, current, o.expected);
    if (current === null) {
      throw new MlstackError("NOT_FOUND", `model "${q.model}" has no alias "${q.alias}"`, { details: q });
    }
    const move: AliasMove = { model: q.model, alias: q.alias, from: current, to: null, at: now, by: o.by ?? null };
    await tx.putAlias(q.model, q.alias, null);
    await tx.appendAliasMove(move);
    return move;
  });
  ctx.emit("aliasMoved", move);
  return move;
}

/** The version an alias points at, or `NOT_FOUND`. */
export async function getModelVersionByAlias(ctx: EngineContext, model: string, alias: string): Promise<ModelVersion> {
  const q = parseInput(aliasInput, { model, alias }, "alias");
  return ctx.storage.read(async (tx) => {
    await requireModel(tx, q.model);
    const version = (await tx.getAliases(q.model)).get(q.alias);
    if (version === undefined) {
      throw new MlstackError("NOT_FOUND", `model "${q.model}" has no alias "${q.alias}"`, { details: q });
    }
    return await requireVersion(tx, q.model, version);
  });
}

/** Every move of the model's aliases, or of one alias, oldest first. */
export async function getAliasHistory(ctx: EngineContext, model: string, alias?: string): Promise<AliasMove[]> {
  const q = parseInput(
    z.object({ model: modelNameSchema, alias: aliasSchema.optional() }),
    { model, alias },
    "alias history",
  );
  return ctx.storage.read(async (tx) => {
    await requireModel(tx, q.model);
    return await tx.aliasHistory(q.model, q.alias);
  });
}
