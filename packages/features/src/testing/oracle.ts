/** A record as the oracle sees it: its entity key parts, times, order of ingestion and value. */
export interface OracleRecord {
  readonly key: readonly unknown[];
  readonly eventTime: number;
  readonly createdTime: number;
  /** Position in ingestion order. */
  readonly order: number;
  readonly value: unknown;
}

/** An entity row as the oracle sees it. */
export interface OracleQuery {
  readonly key: readonly unknown[];
  readonly time: number;
  readonly asOf?: number;
}

/**
 * The point-in-time rule, brute force and obviously correct: for each query, among the records with an
 * equal key, event time in [time − ttl, time] (no lower bound when ttl is 0) and created time at or
 * before `asOf`, the one with the greatest (event time, created time, ingestion order); else null.
 */
export function oraclePointInTime(
  records: readonly OracleRecord[],
  queries: readonly OracleQuery[],
  ttl: number,
): unknown[] {
  return queries.map((q) => {
    let best: OracleRecord | undefined;
    for (const r of records) {
      if (JSON.stringify(r.key) !== JSON.stringify(q.key)) continue;
      if (r.eventTime > q.time) continue;
      if (ttl > 0 && r.eventTime < q.time - ttl) continue;
      if (q.asOf !== undefined && r.createdTime > q.asOf) continue;
      if (
        best === undefined ||
        r.eventTime > best.eventTime ||
        (r.eventTime === best.eventTime &&
          (r.createdTime > best.createdTime || (r.createdTime === best.createdTime && r.order > best.order)))
      ) {
        best = r;
      }
    }
    return best === undefined ? null : best.value;
  });
}
