import type { AlertRule, DeploymentConfig, DriftResult } from "../spec.js";
import type { DatasetProfile } from "./dataset-profile.js";
import type { PerformanceMetrics } from "./performance-metrics.js";

/** Where an alert metric comes from: the window's drift (undefined without a reference), profile and performance. */
export interface AlertMetricSources {
  drift(): Promise<DriftResult | undefined>;
  profile(): Promise<DatasetProfile>;
  performance(): Promise<PerformanceMetrics>;
}

const finite = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);

/**
 * The value of a rule's metric over its window, or null when there is nothing to judge (no reference,
 * insufficient data, no labeled rows, no values): null never satisfies a rule's condition.
 */
export async function alertMetricValue(
  rule: AlertRule,
  config: DeploymentConfig,
  sources: AlertMetricSources,
): Promise<number | null> {
  switch (rule.metric) {
    case "dataset_drift":
    case "drift_share":
    case "column_drift_score": {
      const result = await sources.drift();
      if (!result) return null;
      if (rule.metric === "column_drift_score") {
        const column = result.columns.find((c) => c.column === rule.column);
        return column && column.status !== "insufficient-data" ? finite(column.score) : null;
      }
      if (result.dataset.status === "insufficient-data") return null;
      return rule.metric === "drift_share" ? result.dataset.share : result.dataset.status === "drift" ? 1 : 0;
    }
    case "row_count":
    case "type_error_rate":
    case "null_rate": {
      const profile = await sources.profile();
      if (rule.metric === "row_count") return profile.rows;
      let count = 0;
      let bad = 0;
      for (const field of config.schema.fields) {
        const c = profile.columns.get(field.name);
        if (!c) continue;
        count += c.count;
        bad += rule.metric === "null_rate" ? c.nulls : c.typeErrors;
      }
      return count === 0 ? null : bad / count;
    }
    default: {
      if (!config.prediction) return null;
      const p = await sources.performance();
      if (p.count === 0) return null;
      const key = rule.metric === "roc_auc" ? "rocAuc" : rule.metric;
      return finite((p as unknown as Record<string, number | undefined>)[key]);
    }
  }
}
