import type { RegistrySnapshot } from "@mlstack/features";
import type { OnlineViewPlacement } from "./redis-online-storage.js";

/**
 * The property of the stored registry snapshot that carries each dropped view's online generation.
 * It is written by the same compare-and-swap that changes the registry, so a drop and the switch to a
 * new generation of keys happen together, whatever happens to Redis meanwhile. Readers never see it.
 */
export const GENERATIONS_PROPERTY = "@mlstack/redis:onlineGenerations";

/** The online placement of every view as of one registry version. */
export interface OnlinePlacements {
  readonly version: number;
  readonly generations: Readonly<Record<string, number>>;
  readonly ttls: ReadonlyMap<string, number>;
}

/** Reads the placements out of a stored snapshot. */
export function readPlacements(version: number, snapshot: RegistrySnapshot): OnlinePlacements {
  const stored = (snapshot as unknown as Record<string, unknown>)[GENERATIONS_PROPERTY];
  const generations =
    typeof stored === "object" && stored !== null ? (stored as Record<string, number>) : ({} as Record<string, number>);
  return { version, generations, ttls: new Map(snapshot.featureViews.map((v) => [v.name, v.ttl])) };
}

/** The snapshot as the engine wrote it, without the generations. */
export function withoutGenerations(snapshot: RegistrySnapshot): RegistrySnapshot {
  if (!Object.hasOwn(snapshot, GENERATIONS_PROPERTY)) return snapshot;
  const { [GENERATIONS_PROPERTY]: _, ...rest } = snapshot as unknown as Record<string, unknown>;
  return rest as unknown as RegistrySnapshot;
}

/** The snapshot to store: `next` plus the generations, dropped views moved to generation `version`. */
export function withGenerations(
  next: RegistrySnapshot,
  current: OnlinePlacements,
  version: number,
  dropViews: readonly string[],
): { snapshot: RegistrySnapshot; generations: Record<string, number> } {
  const generations: Record<string, number> = { ...current.generations };
  for (const view of dropViews) generations[view] = version;
  return { snapshot: { ...next, [GENERATIONS_PROPERTY]: generations } as RegistrySnapshot, generations };
}

/** Where one view's online values live. */
export function placementOf(placements: OnlinePlacements, view: string): OnlineViewPlacement {
  return { name: view, generation: placements.generations[view] ?? 0, ttl: placements.ttls.get(view) ?? 0 };
}
