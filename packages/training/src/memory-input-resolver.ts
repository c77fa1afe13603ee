import { MlstackError, parseInput, type Ref, refKey, refSchema } from "@mlstack/core";
import type { InputResolver } from "./spec.js";

/** An {@link InputResolver} over rows held in memory, for tests and the quickstart. */
export class MemoryInputResolver implements InputResolver {
  readonly #rows = new Map<string, readonly Record<string, unknown>[]>();

  /** Serves `rows` for `ref` (replacing what it served before). */
  set(ref: Ref, rows: readonly Record<string, unknown>[]): this {
    this.#rows.set(refKey(parseInput(refSchema, ref, "input ref")), rows);
    return this;
  }

  async *read(ref: Ref, signal: AbortSignal): AsyncIterable<Record<string, unknown>> {
    const rows = this.#rows.get(refKey(ref));
    if (!rows) throw new MlstackError("NOT_FOUND", `no rows for input ${refKey(ref)}`, { details: { ref } });
    for (const row of rows) {
      if (signal.aborted) throw new MlstackError("CANCELLED", "reading the input was aborted");
      yield row;
    }
  }
}
