import { MlstackError } from "./errors.js";

/** The six canonical components of the ML stack. */
export const BRICK_KINDS = ["data", "features", "training", "serving", "metadata", "monitor"] as const;

/** One of the six canonical components. */
export type BrickKind = (typeof BRICK_KINDS)[number];

/** The interface version every v1 brick declares. */
export const SPECIFICATION_VERSION = "v1" as const;

/** The canonical stages of the ML loop that a brick may cover. */
export const CANONICAL_STAGES = [
  "ingestion",
  "versioning",
  "lineage",
  "transformation",
  "validation",
  "labeling",
  "feature-store",
  "experimentation",
  "training",
  "tuning",
  "model-registry",
  "deployment",
  "serving",
  "monitoring",
  "logging",
  "metadata",
  "access-control",
] as const;

/** One canonical stage of the ML loop. */
export type CanonicalStage = (typeof CANONICAL_STAGES)[number];

/** How much of a stage a brick covers. */
export type CoverageLevel = "full" | "partial";

/** The stages a brick covers; stages it does not cover are absent. */
export type Coverage = Readonly<Partial<Record<CanonicalStage, CoverageLevel>>>;

/** A frozen map of capability flags, readable without I/O. */
export type Capabilities = Readonly<Record<string, boolean>>;

/** A declarative requirement: this brick needs a brick in `slot` with these capabilities. */
export interface BrickRequirement {
  /** The slot that must be filled. */
  readonly slot: BrickKind;
  /** Capability flags that the brick in that slot must have set to true. */
  readonly capabilities?: readonly string[];
  /** Why it is needed, for validation reports. */
  readonly reason?: string;
}

/** The answer of a live health probe. */
export interface HealthStatus {
  readonly status: "ok" | "degraded" | "down";
  /** A short human-readable explanation, never a secret. */
  readonly detail?: string;
}

/** The shape every brick exposes, whatever its kind. */
export interface Brick<K extends BrickKind = BrickKind, C extends Capabilities = Capabilities> {
  /** Which canonical component this is. */
  readonly kind: K;
  /** The implementation's name, e.g. `memory` or `sqlite`. */
  readonly name: string;
  /** The interface version implemented. */
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** What this implementation supports; frozen. */
  readonly capabilities: C;
  /** Which canonical stages it covers. */
  readonly coverage?: Coverage;
  /** Other bricks it needs to be composed with. */
  readonly requires?: readonly BrickRequirement[];
  /** Acquires resources; idempotent. */
  start?(): Promise<void>;
  /** Drains in-flight work and releases resources; idempotent. */
  stop?(): Promise<void>;
  /** A live probe. */
  health?(): Promise<HealthStatus>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose]?(): Promise<void>;
}

/**
 * Builds a frozen capability manifest from a brick's defaults plus an implementation's overrides.
 * An override naming an unknown capability is `INVALID_ARGUMENT`, so a typo cannot silently switch nothing.
 */
export function defineCapabilities<T extends Record<string, boolean>>(
  defaults: T,
  overrides: Partial<Record<keyof T, boolean>> = {},
): Readonly<T> {
  for (const key of Object.keys(overrides)) {
    if (!Object.hasOwn(defaults, key)) {
      throw new MlstackError("INVALID_ARGUMENT", `unknown capability "${key}"`, {
        details: { capability: key, known: Object.keys(defaults) },
      });
    }
  }
  return Object.freeze({ ...defaults, ...overrides }) as Readonly<T>;
}

/** Throws `NOT_SUPPORTED` unless the brick has the capability; the guard behind every optional method. */
export function requireCapability(brick: Pick<Brick, "name" | "kind" | "capabilities">, capability: string): void {
  if (brick.capabilities[capability] !== true) {
    throw new MlstackError("NOT_SUPPORTED", `${brick.kind} brick "${brick.name}" does not support "${capability}"`, {
      details: { brick: brick.name, kind: brick.kind, capability },
    });
  }
}

/** A structural check that `value` looks like a brick (used by the Stack's run-time slot validation). */
export function isBrick(value: unknown): value is Brick {
  if (typeof value !== "object" || value === null) return false;
  const b = value as Partial<Brick>;
  return (
    typeof b.kind === "string" &&
    (BRICK_KINDS as readonly string[]).includes(b.kind) &&
    typeof b.name === "string" &&
    typeof b.specificationVersion === "string" &&
    typeof b.capabilities === "object" &&
    b.capabilities !== null
  );
}
