import { Counter, Gauge, Registry } from "prom-client";
import type { AlertRule, AlertState, DriftResult } from "../spec.js";
import type { PerformanceMetrics } from "./performance-metrics.js";

/**
 * The Prometheus metrics of one monitor, in its own prom-client Registry (never the global one).
 * Names follow the Prometheus conventions: `mlstack_monitor_` prefix, `_total` for counters, base units,
 * `_ratio` for fractions.
 */
export class MonitorMetrics {
  readonly registry = new Registry();
  readonly #rows = new Counter({
    name: "mlstack_monitor_rows_logged_total",
    help: "Rows logged per deployment.",
    labelNames: ["deployment"] as const,
    registers: [this.registry],
  });
  readonly #invalid = new Counter({
    name: "mlstack_monitor_invalid_values_total",
    help: "Logged values that were null, of the wrong type, NaN or infinite, per column and reason.",
    labelNames: ["deployment", "column", "reason"] as const,
    registers: [this.registry],
  });
  readonly #labels = new Counter({
    name: "mlstack_monitor_labels_matched_total",
    help: "Delayed labels attached to logged rows.",
    labelNames: ["deployment"] as const,
    registers: [this.registry],
  });
  readonly #score = new Gauge({
    name: "mlstack_monitor_drift_score",
    help: "Latest drift statistic of a column by its method (KS D, chi-square, PSI, JS distance, normalized Wasserstein).",
    labelNames: ["deployment", "column", "method"] as const,
    registers: [this.registry],
  });
  readonly #pValue = new Gauge({
    name: "mlstack_monitor_drift_p_value",
    help: "Latest drift p-value of a column tested by KS or chi-square.",
    labelNames: ["deployment", "column", "method"] as const,
    registers: [this.registry],
  });
  readonly #columnDrifted = new Gauge({
    name: "mlstack_monitor_column_drifted",
    help: "1 when the latest drift check found the column drifted, else 0.",
    labelNames: ["deployment", "column"] as const,
    registers: [this.registry],
  });
  readonly #datasetDrifted = new Gauge({
    name: "mlstack_monitor_dataset_drifted",
    help: "1 when the latest drift check found the data set drifted, else 0.",
    labelNames: ["deployment"] as const,
    registers: [this.registry],
  });
  readonly #share = new Gauge({
    name: "mlstack_monitor_drifted_columns_ratio",
    help: "Share of evaluated columns that drifted in the latest check.",
    labelNames: ["deployment"] as const,
    registers: [this.registry],
  });
  readonly #performance = new Gauge({
    name: "mlstack_monitor_model_performance",
    help: "Latest model performance over labeled rows (accuracy, precision, recall, f1, roc_auc, rmse, mae).",
    labelNames: ["deployment", "metric"] as const,
    registers: [this.registry],
  });
  readonly #firing = new Gauge({
    name: "mlstack_monitor_alert_firing",
    help: "1 while an alert rule is firing, else 0.",
    labelNames: ["deployment", "rule"] as const,
    registers: [this.registry],
  });

  logged(deployment: string, rows: number, invalid: Iterable<{ column: string; reason: string; count: number }>): void {
    this.#rows.inc({ deployment }, rows);
    for (const i of invalid)
      if (i.count > 0) this.#invalid.inc({ deployment, column: i.column, reason: i.reason }, i.count);
  }

  labeled(deployment: string, matched: number): void {
    this.#labels.inc({ deployment }, matched);
  }

  drift(result: DriftResult): void {
    const deployment = result.window.deployment;
    for (const c of result.columns) {
      if (c.status === "insufficient-data") continue;
      this.#score.set({ deployment, column: c.column, method: c.method }, c.score);
      if (c.pValue !== undefined) this.#pValue.set({ deployment, column: c.column, method: c.method }, c.pValue);
      this.#columnDrifted.set({ deployment, column: c.column }, c.status === "drift" ? 1 : 0);
    }
    if (result.dataset.status !== "insufficient-data") {
      this.#datasetDrifted.set({ deployment }, result.dataset.status === "drift" ? 1 : 0);
      this.#share.set({ deployment }, result.dataset.share);
    }
  }

  performance(deployment: string, metrics: PerformanceMetrics): void {
    for (const [metric, value] of Object.entries(metrics)) {
      if (typeof value === "number" && metric !== "count" && Number.isFinite(value)) {
        this.#performance.set({ deployment, metric: metric === "rocAuc" ? "roc_auc" : metric }, value);
      }
    }
  }

  alert(rule: AlertRule, state: AlertState): void {
    this.#firing.set({ deployment: rule.deployment, rule: rule.name }, state.state === "firing" ? 1 : 0);
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
