import type { Clock, ProgressEvent } from "@mlstack/core";
import { MlstackError } from "@mlstack/core";
import type { FeatureStorage } from "../storage/spec.js";
import type { AppliedTransform } from "./feature-selection.js";
import type { RegistryIndex } from "./registry.js";

/** What the engine's operations share: storage, time, the registry and progress reporting. */
export interface EngineContext {
  readonly storage: FeatureStorage;
  readonly clock: Clock;
  /** The current registry (re-read when another writer changed it). */
  registry(): Promise<RegistryIndex>;
  /** On-demand transforms applied in this process, by view name. */
  readonly transforms: ReadonlyMap<string, AppliedTransform>;
  progress(event: ProgressEvent): void;
}

/** Throws `CANCELLED` when the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new MlstackError("CANCELLED", `${what} was aborted`, { cause: signal.reason });
  }
}
