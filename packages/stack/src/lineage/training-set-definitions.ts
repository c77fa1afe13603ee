import { type DataCommitRef, type FeatureViewRef, hashValue, refKey } from "@mlstack/core";
import type { FeatureSelection, RegistrySnapshot } from "@mlstack/features";

/** The definitions a training set was built from, as lineage needs them. */
export interface TrainingSetDefinitions {
  /** Hash of every selected definition (service, views, on-demand views, entities). */
  readonly definitionHash: string;
  /** The views read, each pinned to the hash of its definition. */
  readonly views: readonly FeatureViewRef[];
  /** The data commits the views were loaded from, each once. */
  readonly sources: readonly DataCommitRef[];
}

/**
 * Resolves a feature selection against the registry: the service (when named), the views and on-demand
 * views its references name, the views those read, and their entities. Unknown names are skipped: the
 * FeatureStore has already refused a selection it could not serve.
 */
export function trainingSetDefinitions(
  registry: RegistrySnapshot,
  selection: FeatureSelection,
): TrainingSetDefinitions {
  const views = new Map(registry.featureViews.map((v) => [v.name, v]));
  const onDemand = new Map(registry.onDemandFeatureViews.map((v) => [v.name, v]));
  const service = selection.service ? registry.featureServices.find((s) => s.name === selection.service) : undefined;
  const refs = service?.features ?? selection.features ?? [];
  const viewNames = new Set<string>();
  const onDemandNames = new Set<string>();
  const visit = (ref: string) => {
    const name = ref.split(":")[0] as string;
    if (views.has(name)) viewNames.add(name);
    else if (onDemand.has(name) && !onDemandNames.has(name)) {
      onDemandNames.add(name);
      for (const source of onDemand.get(name)?.sources ?? []) visit(source);
    }
  };
  for (const ref of refs) visit(ref);
  const selectedViews = [...viewNames].sort().map((n) => views.get(n)!);
  const selectedOnDemand = [...onDemandNames].sort().map((n) => onDemand.get(n)!);
  const entityNames = new Set(selectedViews.flatMap((v) => v.entities));
  const entities = registry.entities.filter((e) => entityNames.has(e.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const sources = new Map<string, DataCommitRef>();
  for (const v of selectedViews) if (v.source.dataRef) sources.set(refKey(v.source.dataRef), v.source.dataRef);
  return {
    definitionHash: hashValue({
      service: service ?? null,
      features: selection.features ?? null,
      views: selectedViews,
      onDemandFeatureViews: selectedOnDemand,
      entities,
    }),
    views: [
      ...selectedViews.map((v) => ({ kind: "feature-view" as const, name: v.name, definitionHash: hashValue(v) })),
      ...selectedOnDemand.map((v) => ({ kind: "feature-view" as const, name: v.name, definitionHash: hashValue(v) })),
    ],
    sources: [...sources.values()],
  };
}
