import type {
  Brick,
  DeploymentRef,
  MonitorWindowRef,
  ProgressEvents,
  Schema,
  TrainingSetRef,
  TypedEmitter,
} from "@mlstack/core";
import type { ColumnDrift, DriftMethod, DriftThresholds } from "./engine/column-drift.js";
import type { DatasetDrift, MultipleTestingCorrection } from "./engine/dataset-drift.js";
import type { DatasetProfileData } from "./engine/dataset-profile.js";
import type { PerformanceMetrics } from "./engine/performance-metrics.js";

/** What a Monitor implementation supports; every flag of the reference engine is true. */
export interface MonitorCapabilities {
  /** Drift on the raw logged values of a window (statistics that match scipy). */
  readonly rawDrift: boolean;
  /** Drift from profiles (sketches), without raw data. */
  readonly profileDrift: boolean;
  /** Delayed ground truth and model performance per window. */
  readonly labels: boolean;
  /** Alert rules, state and `alert.firing`/`alert.resolved` events. */
  readonly alerts: boolean;
  /** Metrics in the Prometheus text exposition format. */
  readonly prometheus: boolean;
  readonly [key: string]: boolean;
}

/** The capability defaults of the reference engine. */
export const DEFAULT_MONITOR_CAPABILITIES: MonitorCapabilities = Object.freeze({
  rawDrift: true,
  profileDrift: true,
  labels: true,
  alerts: true,
  prometheus: true,
});

/** What the deployment predicts, so labels can be scored. */
export interface PredictionSpec {
  /** The name of the prediction column in profiles; default `prediction`. */
  name: string;
  task: "classification" | "regression";
  /** The positive class of a classifier (as a string); default `"1"`. */
  positiveLabel: string;
}

/** A monitored deployment and how its traffic is checked. */
export interface DeploymentConfig {
  deployment: DeploymentRef;
  /** The feature columns: profiled, checked for quality and compared with the reference. */
  schema: Schema;
  prediction?: PredictionSpec;
  /** Length of the profile windows (buckets) in milliseconds; windows start at multiples of it. */
  windowMs: number;
  /** Declared value ranges of numeric columns, checked by `quality`. */
  ranges: Record<string, { min?: number; max?: number }>;
  createdAt: number;
}

/** Input of {@link Monitor.registerDeployment}. */
export interface RegisterDeploymentInput {
  deployment: DeploymentRef;
  schema: Schema;
  prediction?: { name?: string; task: "classification" | "regression"; positiveLabel?: string };
  /** Default 3,600,000 (one hour). */
  windowMs?: number;
  ranges?: Record<string, { min?: number; max?: number }>;
}

/** One logged request: feature values, the prediction, and an id to attach a label to later. */
export interface LogRow {
  features: Record<string, unknown>;
  prediction?: unknown;
  /** A classifier's score of the positive class, for ROC AUC. */
  score?: number;
  requestId?: string;
  /** Epoch milliseconds; default the monitor clock's now. */
  timestamp?: number;
}

/** What {@link Monitor.log} accepted. */
export interface LogResult {
  accepted: number;
  /** Values of the wrong type, counted, not thrown. */
  typeErrors: number;
  nulls: number;
  /** The windows the rows fell in. */
  windows: MonitorWindowRef[];
}

/** One delayed label. */
export interface LabelInput {
  requestId: string;
  label: unknown;
}

/** What {@link Monitor.logLabels} matched. */
export interface LabelResult {
  matched: number;
  /** Request ids with no logged row (yet). */
  unmatched: string[];
}

/** Where a reference comes from: rows (optionally those of a training set, recorded as lineage) or a profile. */
export type ReferenceSource =
  | { rows: Record<string, unknown>[]; trainingSet?: TrainingSetRef }
  | { profile: DatasetProfileData; trainingSet?: TrainingSetRef };

/** The reference a deployment's windows are compared with. */
export interface ReferenceInfo {
  deployment: string;
  rows: number;
  /** True when set from rows: raw drift is possible. */
  hasRawData: boolean;
  /** The training set it came from, if any. */
  lineage: TrainingSetRef[];
  setAt: number;
}

/** Options of {@link Monitor.drift}; every threshold is configurable. */
export interface DriftOptions {
  /** `raw` needs raw reference rows; `profile` uses sketches; `auto` (default) prefers raw. */
  source?: "auto" | "raw" | "profile";
  methods?: Record<string, DriftMethod>;
  thresholds?: Partial<DriftThresholds>;
  /** Default `bonferroni`. */
  correction?: MultipleTestingCorrection;
  /** The data-set level of the correction; default the p-value threshold (0.05). */
  level?: number;
  minSampleSize?: number;
  largeReference?: number;
  bins?: number;
  ksExactLimit?: number;
  /** Only these columns; default every numeric and categorical column. */
  columns?: string[];
  signal?: AbortSignal;
}

/** Drift of a window against the reference. */
export interface DriftResult {
  window: MonitorWindowRef;
  source: "raw" | "profile";
  reference: ReferenceInfo;
  columns: ColumnDrift[];
  dataset: DatasetDrift;
  computedAt: number;
}

/** Kinds of data-quality problems. */
export type QualityIssueKind =
  | "missing-column"
  | "wrong-type"
  | "null-in-non-nullable"
  | "out-of-range"
  | "unseen-category"
  | "non-finite";

/** One kind of problem in one column, with counts and a few examples. */
export interface QualityIssue {
  column: string;
  kind: QualityIssueKind;
  count: number;
  /** Up to five offending values with their request ids. */
  examples: { requestId?: string; value: unknown }[];
}

/** Data quality of a window against the deployment's schema. */
export interface QualityReport {
  window: MonitorWindowRef;
  rows: number;
  issues: QualityIssue[];
  /** True when there is no issue. */
  ok: boolean;
}

/** Metrics an alert rule can watch. */
export type AlertMetric =
  | "dataset_drift"
  | "drift_share"
  | "column_drift_score"
  | "row_count"
  | "type_error_rate"
  | "null_rate"
  | "accuracy"
  | "precision"
  | "recall"
  | "f1"
  | "roc_auc"
  | "rmse"
  | "mae";

/** Comparison of a metric with a threshold. */
export type AlertComparison = ">" | ">=" | "<" | "<=";

/** An alert rule: fire when `metric comparison threshold` held for `forMs` over a window of `windowMs`. */
export interface AlertRule {
  id: string;
  deployment: string;
  name: string;
  metric: AlertMetric;
  /** The column of `column_drift_score`. */
  column?: string;
  comparison: AlertComparison;
  threshold: number;
  /** The window the metric is computed over, ending with the bucket of the evaluation time. */
  windowMs: number;
  /** How long the condition must hold before firing; 0 fires at once. */
  forMs: number;
}

/** Input of {@link Monitor.putAlertRule}. */
export interface AlertRuleInput {
  id?: string;
  deployment: DeploymentRef;
  name: string;
  metric: AlertMetric;
  column?: string;
  comparison: AlertComparison;
  threshold: number;
  windowMs?: number;
  forMs?: number;
}

/** The state machine of a rule: inactive → pending → firing → inactive (resolved). */
export interface AlertState {
  ruleId: string;
  state: "inactive" | "pending" | "firing";
  /** When the condition started to hold (pending and firing). */
  since: number | null;
  /** When it last fired. */
  firedAt: number | null;
  /** The last value seen (null when the metric had no data). */
  value: number | null;
  evaluatedAt: number;
}

/** Payload of `alert.firing` and `alert.resolved`. */
export interface AlertEvent {
  rule: AlertRule;
  state: AlertState;
  window: MonitorWindowRef;
  /** The metric value that triggered the change (null when it had no data). */
  value: number | null;
}

/** Events of a Monitor. */
export interface MonitorEvents extends ProgressEvents {
  "alert.firing": (event: AlertEvent) => void;
  "alert.resolved": (event: AlertEvent) => void;
}

/** The Monitor brick, v1. */
export interface Monitor extends Brick<"monitor", MonitorCapabilities> {
  /** `progress` and alert events. */
  readonly events: TypedEmitter<MonitorEvents>;
  /** Starts watching a deployment; `ALREADY_EXISTS` if it is watched. */
  registerDeployment(input: RegisterDeploymentInput): Promise<DeploymentConfig>;
  /** `NOT_FOUND` for an unknown deployment. */
  getDeployment(deployment: DeploymentRef): Promise<DeploymentConfig>;
  listDeployments(): Promise<DeploymentConfig[]>;
  /** Sets (replaces) the reference of a deployment. */
  setReference(deployment: DeploymentRef, source: ReferenceSource): Promise<ReferenceInfo>;
  /** `NOT_FOUND` when none is set. */
  getReference(deployment: DeploymentRef): Promise<ReferenceInfo>;
  /** Logs requests; bad values are counted, never thrown; an unknown deployment is `NOT_FOUND`. */
  log(deployment: DeploymentRef, rows: LogRow[]): Promise<LogResult>;
  /** Attaches delayed ground truth to logged requests by id. */
  logLabels(deployment: DeploymentRef, labels: LabelInput[]): Promise<LabelResult>;
  /** The window of `windowMs` that contains `time`. */
  windowAt(deployment: DeploymentRef, time: number): Promise<MonitorWindowRef>;
  /** The merged profile of a window (bounds must be multiples of the deployment's windowMs). */
  profile(window: MonitorWindowRef): Promise<DatasetProfileData>;
  /** Drift of a window against the reference. */
  drift(window: MonitorWindowRef, options?: DriftOptions): Promise<DriftResult>;
  /** Data quality of a window against the schema. */
  quality(window: MonitorWindowRef): Promise<QualityReport>;
  /** Model performance over the labeled rows of a window. */
  performance(window: MonitorWindowRef): Promise<PerformanceMetrics>;
  /** Creates or replaces an alert rule. */
  putAlertRule(input: AlertRuleInput): Promise<AlertRule>;
  listAlertRules(deployment?: DeploymentRef): Promise<AlertRule[]>;
  /** `NOT_FOUND` for an unknown rule. */
  deleteAlertRule(id: string): Promise<void>;
  /** Evaluates a deployment's rules at `at` (default now), moves their states and emits events. */
  evaluateAlerts(deployment: DeploymentRef, options?: { at?: number }): Promise<AlertState[]>;
  /** The monitor's metrics in the Prometheus text exposition format. */
  metrics(): Promise<string>;
  /** The content type of {@link Monitor.metrics}. */
  readonly metricsContentType: string;
}
