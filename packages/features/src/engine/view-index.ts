import type { FeatureStorage, OfflineSegment, TimeRange, ViewLayout } from "../storage/spec.js";
import { throwIfAborted } from "./context.js";
import { pointInTimeJoin } from "./point-in-time-join.js";

/** Where a lookup landed: a segment and a row position in it. */
export interface Hit {
  segment: OfflineSegment;
  position: number;
}

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

  /** Number of keys with rows. */
  get keys(): number {
    return this.#segmentOf.length;
  }

  /** Applies the point-in-time rule for `key` at `time`; fills `hit` and returns true when a row wins. */
  find(key: string, time: number, ttl: number, asOf: number, hit: Hit): boolean {
    return this.#findRun(this.#runs.get(key), time, ttl, asOf, hit);
  }

  /** `find` for an integer key, without making its text: a number-keyed map is several times faster. */
  findInteger(key: number, time: number, ttl: number, asOf: number, hit: Hit): boolean {
    if (this.#integerRuns === undefined) {
      const runs = new Map<number, number>();
      for (const [text, run] of this.#runs) runs.set(Number(text), run);
      const canonical = [...this.#runs.keys()].every((text) => String(Number(text)) === text);
      this.#integerRuns = canonical ? runs : null;
    }
    if (this.#integerRuns === null) return this.find(String(key), time, ttl, asOf, hit);
    return this.#findRun(this.#integerRuns.get(key), time, ttl, asOf, hit);
  }

  #findRun(run: number | undefined, time: number, ttl: number, asOf: number, hit: Hit): boolean {
    if (run === undefined) return false;
    const segment = this.#segments[this.#segmentOf[run] as number] as OfflineSegment;
    const position = pointInTimeJoin(segment, this.#start[run] as number, this.#end[run] as number, time, ttl, asOf);
    if (position < 0) return false;
    hit.segment = segment;
    hit.position = position;
    return true;
  }

  /** The last row (greatest event time, created time, ingestion order) of every key. */
  *latest(): Generator<{ key: string; segment: OfflineSegment; position: number }> {
    for (const [key, run] of this.#runs) {
      const segment = this.#segments[this.#segmentOf[run] as number] as OfflineSegment;
      yield { key, segment, position: (this.#end[run] as number) - 1 };
    }
  }
}
