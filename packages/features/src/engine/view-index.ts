import type { FeatureStorage, OfflineSegment, TimeRange, ViewLayout } from "../storage/spec.js";
import { throwIfAborted } from "./context.js";
import { pointInTimeJoin } from "./point-in-time-join.js";

/** A snapshot of one view's offline rows with each key's run found by hash lookup. */
export class ViewIndex {
  readonly digest: string;
  readonly #runs = new Map<string, number>();
  readonly #segmentOf: number[] = [];
  readonly #start: number[] = [];
  readonly #end: number[] = [];
  readonly #segments: OfflineSegment[] = [];
  // The runs by numeric key, built on first use; null when some key is not a canonical integer.
  #integerRuns: Map<number, number> | null | undefined;

  private constructor(digest: string) {
    this.digest = digest;
  }

  /** Scans a view (optionally an event-time range) into an index. */
  static async load(
    storage: FeatureStorage,
    layout: ViewLayout,
    range?: TimeRange,
    signal?: AbortSignal,
  ): Promise<ViewIndex> {
    const scan = await storage.scanOffline(layout, range);
    const index = new ViewIndex(scan.digest);
    for await (const segment of scan.segments()) {
      throwIfAborted(signal, "loading a view");
      const s = index.#segments.push(segment) - 1;
      segment.keys.forEach((key, i) => {
        index.#runs.set(key, index.#segmentOf.length);
        index.#segmentOf.push(s);
        index.#start.push(segment.offsets[i] as number);
        index.#end.push(segment.offsets[i + 1] as number);
      });
    }
    return index;
  }

  /** The run of a key, or -1 when it has no rows. */
  runOf(key: string): number {
    return this.#runs.get(key) ?? -1;
  }

  /** `runOf` for an integer key, without making its text: a number-keyed map is several times faster. */
  runOfInteger(key: number): number {
    if (this.#integerRuns === undefined) {
      const canonical = [...this.#runs.keys()].every((text) => String(Number(text)) === text);
      this.#integerRuns = canonical ? new Map([...this.#runs].map(([text, run]) => [Number(text), run])) : null;
    }
    if (this.#integerRuns === null) return this.runOf(String(key));
    return this.#integerRuns.get(key) ?? -1;
  }

  /** The segment holding a run. */
  segmentOf(run: number): OfflineSegment {
    return this.#segments[this.#segmentOf[run] as number] as OfflineSegment;
  }

  /** Applies the point-in-time rule in a run (see `pointInTimeJoin`): the winning position, or -1. */
  find(run: number, time: number, ttl: number, asOf: number): number {
    return pointInTimeJoin(this.segmentOf(run), this.#start[run] as number, this.#end[run] as number, time, ttl, asOf);
  }
}
