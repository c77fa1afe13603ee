import type { Clock, ProgressEvent } from "@mlstack/core";
import { MlstackError } from "@mlstack/core";
import type { FeatureSelection } from "../spec.js";
import type { FeatureStorage } from "../storage/spec.js";
import type { Selection } from "./feature-selection.js";

/** What the engine's operations share: storage, time, resolved selections and progress reporting. */
export interface EngineContext {
  readonly storage: FeatureStorage;
  readonly clock: Clock;
  /** Resolves feature references or a service against the current registry. */
  select(selection: FeatureSelection): Promise<Selection>;
  progress(event: ProgressEvent): void;
}

/** Throws `CANCELLED` when the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new MlstackError("CANCELLED", `${what} was aborted`, { cause: signal.reason });
  }
}
