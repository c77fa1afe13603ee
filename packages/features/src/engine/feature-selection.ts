import type { Field } from "@mlstack/core";
import { hashValue, MlstackError } from "@mlstack/core";
import type {
  FeatureSelection,
  OnDemandFeatureViewDefinition,
  ResolvedFeatureView,
  Row,
  StoredOnDemandFeatureView,
} from "../spec.js";
import type { ViewLayout } from "../storage/spec.js";
import type { EntityKeyReader } from "./entity-key.js";
import { entityKeyReader, integerKeyReader } from "./entity-key.js";
import type { RegistryIndex } from "./registry.js";
import { viewJoinKeys } from "./registry.js";
import type { RowBuilder } from "./row-builder.js";
import { compileRowBuilder } from "./row-builder.js";

/** `view:feature` split in two; a bare `view` means the whole view. */
export function parseFeatureRef(ref: string): { view: string; feature?: string } {
  const at = ref.indexOf(":");
  if (at === 0 || at === ref.length - 1) {
    throw new MlstackError("INVALID_ARGUMENT", `bad feature reference "${ref}": expected view:feature or view`, {
      details: { ref },
    });
  }
  return at < 0 ? { view: ref } : { view: ref.slice(0, at), feature: ref.slice(at + 1) };
}

/** An on-demand transform applied in this process, with the hash of its source text. */
export interface AppliedTransform {
  readonly transform: OnDemandFeatureViewDefinition["transform"];
  readonly hash: string;
}

/** A feature to output: which field, under which column name. */
export interface Output {
  readonly field: number;
  readonly name: string;
}

/** One view to read, with the fields the caller asked for. */
export interface ViewRead {
  readonly view: ResolvedFeatureView;
  readonly layout: ViewLayout;
  readonly keyOf: EntityKeyReader;
  /** The key as a number, for a single integer join key (see `integerKeyReader`). */
  readonly integerKeyOf: ((row: Row) => number | undefined) | undefined;
  readonly outputs: Output[];
}

/** One on-demand view to compute. */
export interface OnDemandRead {
  readonly definition: StoredOnDemandFeatureView;
  readonly transform: OnDemandFeatureViewDefinition["transform"];
  readonly outputs: Output[];
  /** Source features: the reference the transform sees, the view read and field. */
  readonly inputs: readonly { readonly ref: string; readonly read: ViewRead; readonly field: number }[];
  readonly requestFields: readonly Field[];
}

/** Resolved feature references: what to read and how to name it. */
export interface Selection {
  readonly featureNames: readonly string[];
  /** Views to read, including those only on-demand views need. */
  readonly views: readonly ViewRead[];
  readonly onDemand: readonly OnDemandRead[];
  /** Hash of every definition involved, for training-set refs (computed on first use). */
  readonly definitionHash: string;
  /** Builds row `i` of per-feature columns as `{ [featureNames[k]]: columns[k][i] }` (compiled on first use). */
  readonly recordBuilder: RowBuilder;
}

function unknownFeature(ref: string): MlstackError {
  return new MlstackError("NOT_FOUND", `unknown feature "${ref}"`, { details: { ref } });
}

/** Resolves feature references or a service against the registry. */
export function resolveSelection(
  registry: RegistryIndex,
  selection: FeatureSelection,
  transforms: ReadonlyMap<string, AppliedTransform>,
): Selection {
  let refs = selection.features ?? [];
  let aliases: Readonly<Record<string, string>> = {};
  if (selection.service !== undefined) {
    const service = registry.services.get(selection.service);
    if (service === undefined) {
      throw new MlstackError("NOT_FOUND", `unknown feature service "${selection.service}"`, {
        details: { service: selection.service },
      });
    }
    refs = service.features;
    aliases = service.aliases ?? {};
  }
  const full = selection.fullFeatureNames ?? false;
  const reads = new Map<string, ViewRead>();
  const onDemand = new Map<string, OnDemandRead>();
  const names = new Map<string, string>();
  const featureNames: string[] = [];

  const readOf = (view: ResolvedFeatureView): ViewRead => {
    let read = reads.get(view.name);
    if (read === undefined) {
      const joinKeys = viewJoinKeys(registry, view);
      read = {
        view,
        layout: { name: view.name, fields: view.schema.fields },
        keyOf: entityKeyReader(joinKeys),
        integerKeyOf: integerKeyReader(joinKeys),
        outputs: [],
      };
      reads.set(view.name, read);
    }
    return read;
  };
  const onDemandOf = (definition: StoredOnDemandFeatureView): OnDemandRead => {
    let read = onDemand.get(definition.name);
    if (read === undefined) {
      const applied = transforms.get(definition.name);
      if (applied === undefined || applied.hash !== definition.transformHash) {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          `on-demand feature view "${definition.name}" has ${applied ? "another" : "no"} transform in this process than the registry's; apply its definition again`,
          { details: { onDemandFeatureView: definition.name } },
        );
      }
      const inputs = definition.sources.flatMap((ref) =>
        expand(ref, false).map(({ view, field }) => ({
          ref: `${view.name}:${(view.schema.fields[field] as Field).name}`,
          read: readOf(view),
          field,
        })),
      );
      read = {
        definition,
        transform: applied.transform,
        outputs: [],
        inputs,
        requestFields: definition.requestSchema?.fields ?? [],
      };
      onDemand.set(definition.name, read);
    }
    return read;
  };
  function expand(ref: string, allowOnDemand: boolean) {
    const { view: name, feature } = parseFeatureRef(ref);
    const view = registry.views.get(name);
    const odfv = allowOnDemand ? registry.onDemand.get(name) : undefined;
    const fields = (view ?? odfv)?.schema.fields;
    if (fields === undefined) {
      throw new MlstackError("NOT_FOUND", `unknown feature view "${name}" in "${ref}"`, {
        details: { ref, view: name },
      });
    }
    const indices = feature === undefined ? fields.map((_, i) => i) : [fields.findIndex((f) => f.name === feature)];
    if (indices[0] === -1) throw unknownFeature(ref);
    return indices.map((field) => ({ view: view as ResolvedFeatureView, odfv, field }));
  }

  for (const ref of refs) {
    for (const { view, odfv, field } of expand(ref, true)) {
      const definition = odfv ?? view;
      const fieldName = (definition.schema.fields[field] as Field).name;
      const key = `${definition.name}:${fieldName}`;
      const name = aliases[key] ?? (full ? `${definition.name}__${fieldName}` : fieldName);
      const owner = names.get(name);
      if (owner === key) continue;
      if (owner !== undefined) {
        throw new MlstackError(
          "INVALID_ARGUMENT",
          `features "${owner}" and "${key}" would both be named "${name}"; use fullFeatureNames or aliases`,
          { details: { column: name, features: [owner, key] } },
        );
      }
      names.set(name, key);
      featureNames.push(name);
      (odfv ? onDemandOf(odfv) : readOf(view)).outputs.push({ field, name });
    }
  }
  const views = [...reads.values()];
  const onDemandReads = [...onDemand.values()];
  let definitionHash: string | undefined;
  let recordBuilder: RowBuilder | undefined;
  return {
    featureNames,
    views,
    onDemand: onDemandReads,
    get definitionHash() {
      definitionHash ??= hashValue({
        views: views.map((r) => ({ view: r.view, outputs: r.outputs })),
        onDemand: onDemandReads.map((r) => ({ definition: r.definition, outputs: r.outputs })),
      });
      return definitionHash;
    },
    get recordBuilder() {
      recordBuilder ??= compileRowBuilder([], featureNames);
      return recordBuilder;
    },
  };
}
