import type { OfflineSegment } from "../storage/spec.js";

/**
 * The point-in-time rule for one entity row against one key's run (positions `start` to `end - 1` of
 * `segment`, ordered by event time, created time, ingestion order). Returns the winning position, or -1.
 *
 * Candidates have event time in [time − ttl, time] (no lower bound when ttl is 0) and created time at
 * or before `asOf`; the winner is the greatest (event time, created time, ingestion order), which is
 * the last candidate in run order. A binary search finds the last row at or before `time`, then the
 * walk back skips only rows created after `asOf`.
 */
export function pointInTimeJoin(
  segment: OfflineSegment,
  start: number,
  end: number,
  time: number,
  ttl: number,
  asOf: number,
): number {
  const events = segment.eventTime;
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events.get(mid) <= time) lo = mid + 1;
    else hi = mid;
  }
  const lower = ttl > 0 ? time - ttl : Number.NEGATIVE_INFINITY;
  for (let p = lo - 1; p >= start; p--) {
    if (events.get(p) < lower) return -1;
    if (asOf === Number.POSITIVE_INFINITY || segment.createdTime.get(p) <= asOf) return p;
  }
  return -1;
}
