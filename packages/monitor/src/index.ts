/**
 * The Monitor brick of mlstack: mergeable bounded-memory profiles, drift statistics that match scipy,
 * data quality against a schema, model performance from delayed labels, alerts as typed events,
 * Prometheus metrics and a self-contained HTML drift report.
 *
 * @packageDocumentation
 * @module @mlstack/monitor
 */

export * from "./engine/chi-square-test.js";
export * from "./engine/column-drift.js";
export * from "./engine/column-profile.js";
export * from "./engine/dataset-drift.js";
export * from "./engine/dataset-profile.js";
export * from "./engine/dd-sketch.js";
export * from "./engine/frequent-items.js";
export * from "./engine/hyper-log-log.js";
export * from "./engine/jensen-shannon.js";
export * from "./engine/kolmogorov-distribution.js";
export * from "./engine/ks-test.js";
export * from "./engine/monitor-engine.js";
export * from "./engine/performance-metrics.js";
export * from "./engine/psi.js";
export * from "./engine/quantile-bins.js";
export * from "./engine/render-drift-report.js";
export * from "./engine/sort-float64.js";
export * from "./engine/value-codec.js";
export * from "./engine/wasserstein.js";
export * from "./memory.js";
export * from "./schemas.js";
export * from "./spec.js";
export * from "./storage/memory.js";
export type * from "./storage/spec.js";
