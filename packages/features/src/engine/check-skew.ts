import { canonicalJson } from "@mlstack/core";
import type {
  HistoricalRequest,
  OnlineFeatures,
  OnlineRequest,
  Row,
  SkewMismatch,
  SkewReport,
  SkewSample,
  TrainingSet,
} from "../spec.js";

/**
 * Replays online reads through historical retrieval at the same instant: every value served online
 * (as served, so a stale value returned under the `flag` policy counts) must equal the point-in-time
 * value at the Clock's now. Values compare by canonical JSON, so NaN equals NaN and arrays compare by content.
 */
export async function checkSkew(
  sample: SkewSample,
  now: number,
  online: (request: OnlineRequest) => Promise<OnlineFeatures>,
  historical: (request: HistoricalRequest) => Promise<TrainingSet>,
): Promise<SkewReport> {
  const selection = { features: sample.features, service: sample.service, fullFeatureNames: sample.fullFeatureNames };
  const served = await online({ ...selection, entityRows: sample.entityRows, columnar: true });
  // A time column no entity row uses, so the rows pass through untouched.
  let timestampColumn = "__skew_at";
  while (sample.entityRows.some((row) => timestampColumn in row)) timestampColumn = `_${timestampColumn}`;
  const replay = await historical({
    ...selection,
    entityRows: sample.entityRows.map((row: Row) => ({ ...row, [timestampColumn]: now })),
    timestampColumn,
  });
  const mismatches: SkewMismatch[] = [];
  for (const feature of served.featureNames) {
    const column = served.columns?.[feature];
    if (column === undefined) continue;
    column.values.forEach((value, row) => {
      const expected = (replay.rows[row] as Row)[feature] ?? null;
      if (canonicalJson(value ?? null) !== canonicalJson(expected)) {
        mismatches.push({
          row,
          feature,
          online: value,
          status: column.statuses[row] ?? "NOT_FOUND",
          historical: expected,
        });
      }
    });
  }
  return {
    at: now,
    rows: sample.entityRows.length,
    compared: sample.entityRows.length * served.featureNames.length,
    mismatches,
  };
}
