import { canonicalJson, describeType, MlstackError, sha256Hex } from "@mlstack/core";
import type { z } from "zod";
import type { definitionsSchema } from "../schemas.js";
import type {
  DefinitionChange,
  DefinitionKind,
  EntityDefinition,
  FeatureServiceDefinition,
  JoinKey,
  RegistryPlan,
  RegistrySnapshot,
  ResolvedFeatureView,
  StoredOnDemandFeatureView,
} from "../spec.js";
import type { AppliedTransform } from "./feature-selection.js";
import { parseFeatureRef } from "./feature-selection.js";

type ParsedDefinitions = z.output<typeof definitionsSchema>;

/** The registry with lookups by name. */
export interface RegistryIndex {
  readonly snapshot: RegistrySnapshot;
  readonly entities: ReadonlyMap<string, EntityDefinition>;
  readonly views: ReadonlyMap<string, ResolvedFeatureView>;
  readonly services: ReadonlyMap<string, FeatureServiceDefinition>;
  readonly onDemand: ReadonlyMap<string, StoredOnDemandFeatureView>;
}

/** Indexes a snapshot by name. */
export function indexRegistry(snapshot: RegistrySnapshot): RegistryIndex {
  return {
    snapshot,
    entities: new Map(snapshot.entities.map((e) => [e.name, e])),
    views: new Map(snapshot.featureViews.map((v) => [v.name, v])),
    services: new Map(snapshot.featureServices.map((s) => [s.name, s])),
    onDemand: new Map(snapshot.onDemandFeatureViews.map((o) => [o.name, o])),
  };
}

/** The join keys of a view: its entities' join keys, in order. */
export function viewJoinKeys(registry: RegistryIndex, view: ResolvedFeatureView): JoinKey[] {
  return view.entities.flatMap((name) => registry.entities.get(name)?.joinKeys ?? []);
}

/** A planned registry change: the plan, the next snapshot, the views whose data goes, and the transforms. */
export interface RegistryChange {
  readonly plan: RegistryPlan;
  readonly next: RegistrySnapshot;
  readonly dropViews: readonly string[];
  readonly transforms: ReadonlyMap<string, AppliedTransform>;
}

const KIND_LABEL: Record<DefinitionKind, string> = {
  entity: "entity",
  featureView: "feature view",
  featureService: "feature service",
  onDemandFeatureView: "on-demand feature view",
};

function strip<T extends object>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function resolveView(def: NonNullable<ParsedDefinitions["featureViews"]>[number]): ResolvedFeatureView {
  return strip({
    ...def,
    source: { ...def.source, eventTimestampField: def.source?.eventTimestampField ?? "event_timestamp" },
    ttl: def.ttl ?? 0,
    online: def.online ?? true,
    stalePolicy: def.stalePolicy ?? "flag",
  }) as ResolvedFeatureView;
}

function storeOnDemand(def: NonNullable<ParsedDefinitions["onDemandFeatureViews"]>[number]): StoredOnDemandFeatureView {
  const { transform, ...rest } = def;
  return strip({ ...rest, transformHash: sha256Hex(transform.toString()) });
}

// Field-by-field differences, for the plan's details.
function differences(before: object, after: object): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    const a = canonicalJson((before as Record<string, unknown>)[key]);
    const b = canonicalJson((after as Record<string, unknown>)[key]);
    if (a !== b) out.push(`${key}: ${a} → ${b}`);
  }
  return out;
}

function invalid(message: string, details: Record<string, unknown> = {}): MlstackError {
  return new MlstackError("INVALID_ARGUMENT", message, { details });
}

// What may not change in place: a view's entities, its feature fields, its timestamp fields; an entity's keys.
function checkInPlace(kind: DefinitionKind, before: object, after: object): void {
  if (kind === "entity") {
    const a = before as EntityDefinition;
    const b = after as EntityDefinition;
    if (canonicalJson(a.joinKeys) !== canonicalJson(b.joinKeys)) {
      throw new MlstackError("CONFLICT", `entity "${a.name}" cannot change its join keys in place`, {
        details: { entity: a.name, before: a.joinKeys, after: b.joinKeys },
      });
    }
  }
  if (kind === "featureView") {
    const a = before as ResolvedFeatureView;
    const b = after as ResolvedFeatureView;
    for (const field of b.schema.fields) {
      const old = a.schema.fields.find((f) => f.name === field.name);
      if (old && canonicalJson(old) !== canonicalJson({ ...old, ...field, description: old.description })) {
        throw new MlstackError(
          "CONFLICT",
          `feature "${a.name}:${field.name}" cannot change type in place (${describeType(old)} → ${describeType(field)}); define a new view`,
          { details: { view: a.name, feature: field.name, before: old, after: field } },
        );
      }
    }
    const shape = (v: ResolvedFeatureView) =>
      canonicalJson({
        entities: v.entities,
        fields: v.schema.fields.map((f) => f.name),
        event: v.source.eventTimestampField,
        created: v.source.createdTimestampField,
      });
    if (shape(a) !== shape(b)) {
      throw new MlstackError(
        "CONFLICT",
        `feature view "${a.name}" cannot change its entities, feature list or timestamp fields in place; define a new view or remove this one first`,
        { details: { view: a.name, changes: differences(a, b) } },
      );
    }
  }
}

/**
 * Plans applying `definitions` to `current`: validates every reference, refuses in-place changes that
 * stored data would not survive (`CONFLICT`) and removals that others depend on (`FAILED_PRECONDITION`).
 */
export function planRegistry(
  current: RegistrySnapshot,
  definitions: ParsedDefinitions,
  knownTransforms: ReadonlyMap<string, AppliedTransform>,
): RegistryChange {
  const incoming: Record<DefinitionKind, Map<string, object>> = {
    entity: new Map(),
    featureView: new Map(),
    featureService: new Map(),
    onDemandFeatureView: new Map(),
  };
  const transforms = new Map(knownTransforms);
  const add = (kind: DefinitionKind, name: string, value: object) => {
    if (incoming[kind].has(name)) throw invalid(`${KIND_LABEL[kind]} "${name}" is defined twice`, { kind, name });
    incoming[kind].set(name, value);
  };
  for (const e of definitions.entities ?? []) add("entity", e.name, strip(e));
  for (const v of definitions.featureViews ?? []) add("featureView", v.name, resolveView(v));
  for (const s of definitions.featureServices ?? []) add("featureService", s.name, strip(s));
  for (const o of definitions.onDemandFeatureViews ?? []) {
    const stored = storeOnDemand(o);
    add("onDemandFeatureView", o.name, stored);
    transforms.set(o.name, { transform: o.transform, hash: stored.transformHash });
  }

  const existing: Record<DefinitionKind, Map<string, object>> = {
    entity: new Map(current.entities.map((x) => [x.name, x])),
    featureView: new Map(current.featureViews.map((x) => [x.name, x])),
    featureService: new Map(current.featureServices.map((x) => [x.name, x])),
    onDemandFeatureView: new Map(current.onDemandFeatureViews.map((x) => [x.name, x])),
  };
  const changes: DefinitionChange[] = [];
  const next: Record<DefinitionKind, Map<string, object>> = {
    entity: new Map(existing.entity),
    featureView: new Map(existing.featureView),
    featureService: new Map(existing.featureService),
    onDemandFeatureView: new Map(existing.onDemandFeatureView),
  };
  for (const kind of Object.keys(incoming) as DefinitionKind[]) {
    for (const [name, value] of incoming[kind]) {
      const before = existing[kind].get(name);
      if (before === undefined) {
        changes.push({ kind, name, action: "create" });
      } else if (canonicalJson(before) === canonicalJson(value)) {
        changes.push({ kind, name, action: "unchanged" });
      } else {
        checkInPlace(kind, before, value);
        changes.push({ kind, name, action: "update", details: differences(before, value) });
      }
      next[kind].set(name, value);
    }
  }
  const dropViews: string[] = [];
  for (const { kind, name } of definitions.remove ?? []) {
    if (incoming[kind].has(name)) throw invalid(`${KIND_LABEL[kind]} "${name}" is both defined and removed`);
    if (!next[kind].delete(name)) {
      throw new MlstackError("NOT_FOUND", `cannot remove ${KIND_LABEL[kind]} "${name}": it does not exist`, {
        details: { kind, name },
      });
    }
    if (kind === "featureView") dropViews.push(name);
    if (kind === "onDemandFeatureView") transforms.delete(name);
    changes.push({ kind, name, action: "remove" });
  }

  const snapshot: RegistrySnapshot = {
    entities: [...next.entity.values()] as EntityDefinition[],
    featureViews: [...next.featureView.values()] as ResolvedFeatureView[],
    featureServices: [...next.featureService.values()] as FeatureServiceDefinition[],
    onDemandFeatureViews: [...next.onDemandFeatureView.values()] as StoredOnDemandFeatureView[],
  };
  const removed = new Set((definitions.remove ?? []).map((r) => `${r.kind}:${r.name}`));
  checkIntegrity(indexRegistry(snapshot), removed);
  return {
    plan: { changes, unchanged: changes.every((c) => c.action === "unchanged") },
    next: snapshot,
    dropViews,
    transforms,
  };
}

// Every reference in the next registry must resolve. A reference to something this change removes is
// FAILED_PRECONDITION (the removal is refused); to something that never existed, NOT_FOUND.
function checkIntegrity(registry: RegistryIndex, removed: ReadonlySet<string>): void {
  const missing = (kind: DefinitionKind, name: string, user: string): MlstackError =>
    removed.has(`${kind}:${name}`)
      ? new MlstackError("FAILED_PRECONDITION", `cannot remove ${KIND_LABEL[kind]} "${name}": ${user} uses it`, {
          details: { kind, name, usedBy: user },
        })
      : new MlstackError("NOT_FOUND", `${user} refers to unknown ${KIND_LABEL[kind]} "${name}"`, {
          details: { kind, name, usedBy: user },
        });
  for (const name of registry.views.keys()) {
    if (registry.onDemand.has(name)) {
      throw invalid(`"${name}" is both a feature view and an on-demand feature view`, { name });
    }
  }
  for (const view of registry.views.values()) {
    const user = `feature view "${view.name}"`;
    const columns = new Set<string>();
    const claim = (column: string, what: string) => {
      if (columns.has(column)) throw invalid(`${user}: column "${column}" is used twice (${what})`, { column });
      columns.add(column);
    };
    for (const entity of view.entities) {
      const def = registry.entities.get(entity);
      if (def === undefined) throw missing("entity", entity, user);
      for (const key of def.joinKeys) claim(key.name, `join key of entity "${entity}"`);
    }
    claim(view.source.eventTimestampField, "event timestamp");
    if (view.source.createdTimestampField !== undefined) claim(view.source.createdTimestampField, "created timestamp");
    for (const field of view.schema.fields) claim(field.name, "feature");
  }
  const checkRef = (ref: string, user: string, allowOnDemand: boolean) => {
    const { view, feature } = parseFeatureRef(ref);
    const target = registry.views.get(view) ?? (allowOnDemand ? registry.onDemand.get(view) : undefined);
    if (target === undefined) {
      const kind =
        registry.onDemand.has(view) || removed.has(`onDemandFeatureView:${view}`)
          ? "onDemandFeatureView"
          : "featureView";
      throw missing(kind, view, user);
    }
    if (feature !== undefined && !target.schema.fields.some((f) => f.name === feature)) {
      throw new MlstackError("NOT_FOUND", `${user} refers to unknown feature "${ref}"`, {
        details: { ref, usedBy: user },
      });
    }
  };
  for (const odfv of registry.onDemand.values()) {
    for (const ref of odfv.sources) checkRef(ref, `on-demand feature view "${odfv.name}"`, false);
  }
  for (const service of registry.services.values()) {
    for (const ref of service.features) checkRef(ref, `feature service "${service.name}"`, true);
  }
}
