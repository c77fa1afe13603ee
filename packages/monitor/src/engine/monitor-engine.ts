import {
  type Clock,
  createUuidV7Generator,
  type DeploymentRef,
  defineCapabilities,
  defineSchema,
  deploymentRefSchema,
  type Field,
  type HealthStatus,
  type IdGenerator,
  MlstackError,
  type MonitorWindowRef,
  parseInput,
  requireCapability,
  type Schema,
  SystemClock,
  TypedEmitter,
  toMlstackError,
} from "@mlstack/core";
import {
  alertRuleInputSchema,
  datasetProfileSchema,
  driftOptionsSchema,
  evaluateOptionsSchema,
  labelsSchema,
  parseLogRows,
  referenceSourceSchema,
  registerDeploymentInputSchema,
  ruleIdSchema,
  timeSchema,
  windowSchema,
} from "../schemas.js";
import type {
  AlertRule,
  AlertRuleInput,
  AlertState,
  DeploymentConfig,
  DriftOptions,
  DriftResult,
  LabelInput,
  LabelResult,
  LogResult,
  LogRow,
  Monitor,
  MonitorCapabilities,
  MonitorEvents,
  QualityReport,
  ReferenceInfo,
  ReferenceSource,
  RegisterDeploymentInput,
} from "../spec.js";
import { DEFAULT_MONITOR_CAPABILITIES } from "../spec.js";
import type { MonitorStorage, StoredReference } from "../storage/spec.js";
import { alertMetricValue } from "./alert-metric.js";
import { stepAlert } from "./alert-state.js";
import { columnKind, type SketchOptions } from "./column-profile.js";
import { checkMethods, driftColumns, driftSettings, profileDrift, rawDrift } from "./compute-drift.js";
import { checkQuality } from "./data-quality.js";
import { DatasetProfile, type DatasetProfileData } from "./dataset-profile.js";
import { MonitorMetrics } from "./monitor-metrics.js";
import { classificationMetrics, type PerformanceMetrics, regressionMetrics } from "./performance-metrics.js";
import { decodeValue, encodeValue } from "./value-codec.js";

/** Options of {@link MonitorEngine}. */
export interface MonitorEngineOptions {
  storage: MonitorStorage;
  /** The implementation's name, e.g. `memory` or `sqlite`. */
  name: string;
  clock?: Clock;
  idGenerator?: IdGenerator;
  capabilities?: Partial<MonitorCapabilities>;
  /** Sketch settings of every profile; a reference profile must use the same quantile accuracy. */
  sketches?: SketchOptions;
}

const DEFAULT_WINDOW_MS = 3_600_000;

interface DecodedRecord {
  timestamp: number;
  requestId?: string;
  features: Record<string, unknown>;
  prediction: unknown;
  score?: number;
  label: unknown;
  labeled: boolean;
}

/**
 * The reference Monitor: every rule of the brick (profiles, drift, quality, performance, alerts,
 * metrics) over a {@link MonitorStorage}. Memory and SQLite monitors are this engine over their storage.
 */
export class MonitorEngine implements Monitor {
  readonly kind = "monitor" as const;
  readonly name: string;
  readonly specificationVersion = "v1" as const;
  readonly capabilities: MonitorCapabilities;
  readonly coverage = Object.freeze({ monitoring: "full", logging: "partial", validation: "partial" } as const);
  readonly events = new TypedEmitter<MonitorEvents>();
  readonly metricsContentType: string;
  readonly #storage: MonitorStorage;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #sketches: SketchOptions;
  readonly #metrics = new MonitorMetrics();
  #alertQueue: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(options: MonitorEngineOptions) {
    this.#storage = options.storage;
    this.name = options.name;
    this.#clock = options.clock ?? new SystemClock();
    this.#ids = options.idGenerator ?? createUuidV7Generator({ clock: this.#clock });
    this.#sketches = { ...options.sketches };
    this.capabilities = defineCapabilities({ ...DEFAULT_MONITOR_CAPABILITIES }, options.capabilities ?? {});
    this.metricsContentType = this.#metrics.registry.contentType;
  }

  // Every public method: refuse after stop, and let only MlstackErrors out.
  async #run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#stopped) throw new MlstackError("UNAVAILABLE", `monitor "${this.name}" is stopped`, { retryable: false });
    try {
      return await fn();
    } catch (error) {
      throw toMlstackError(error);
    }
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#alertQueue.catch(() => undefined);
    await this.#storage.close();
  }

  async health(): Promise<HealthStatus> {
    return this.#stopped ? { status: "down", detail: "stopped" } : { status: "ok" };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #config(ref: DeploymentRef | string): Promise<DeploymentConfig> {
    const name = typeof ref === "string" ? ref : ref.name;
    const config = await this.#storage.getDeployment(name);
    if (!config) {
      throw new MlstackError("NOT_FOUND", `deployment "${name}" is not monitored`, { details: { deployment: name } });
    }
    return config;
  }

  /** The columns profiles keep: the features, then the prediction. */
  #profileSchema(config: DeploymentConfig): Schema {
    const fields: Field[] = [...config.schema.fields];
    if (config.prediction) {
      fields.push({
        name: config.prediction.name,
        type: config.prediction.task === "classification" ? "string" : "float64",
        nullable: true,
      });
    }
    return { fields };
  }

  // A logged row as profiles see it: the features plus the prediction (a classifier's class as a string).
  #profileRow(
    config: DeploymentConfig,
    features: Record<string, unknown>,
    prediction: unknown,
  ): Record<string, unknown> {
    if (!config.prediction) return features;
    return { ...features, [config.prediction.name]: classOf(config, prediction) };
  }

  // A reference row may carry the prediction column too; it gets the same treatment as a logged one.
  #referenceRow(config: DeploymentConfig, row: Record<string, unknown>): Record<string, unknown> {
    if (!config.prediction || !Object.hasOwn(row, config.prediction.name)) return row;
    return { ...row, [config.prediction.name]: classOf(config, row[config.prediction.name]) };
  }

  registerDeployment(input: RegisterDeploymentInput): Promise<DeploymentConfig> {
    return this.#run(async () => {
      const parsed = parseInput(registerDeploymentInputSchema, input, "deployment registration");
      const schema = defineSchema(parsed.schema.fields as Field[]);
      const predictionName = parsed.prediction?.name ?? "prediction";
      if (parsed.prediction && schema.fields.some((f) => f.name === predictionName)) {
        throw new MlstackError("INVALID_ARGUMENT", `the prediction column "${predictionName}" clashes with a feature`, {
          details: { column: predictionName },
        });
      }
      for (const column of Object.keys(parsed.ranges ?? {})) {
        const field = schema.fields.find((f) => f.name === column);
        if (!field || columnKind(field) !== "numeric") {
          throw new MlstackError("INVALID_ARGUMENT", `a range needs a numeric column, "${column}" is not one`, {
            details: { column },
          });
        }
      }
      const config: DeploymentConfig = {
        deployment: parsed.deployment,
        schema: { fields: schema.fields.map((f) => ({ ...f })) },
        ...(parsed.prediction
          ? {
              prediction: {
                name: predictionName,
                task: parsed.prediction.task,
                positiveLabel: parsed.prediction.positiveLabel ?? "1",
              },
            }
          : {}),
        windowMs: parsed.windowMs ?? DEFAULT_WINDOW_MS,
        ranges: parsed.ranges ?? {},
        createdAt: this.#clock.now(),
      };
      await this.#storage.createDeployment(config);
      return config;
    });
  }

  getDeployment(deployment: DeploymentRef): Promise<DeploymentConfig> {
    return this.#run(() => this.#config(parseDeployment(deployment)));
  }

  listDeployments(): Promise<DeploymentConfig[]> {
    return this.#run(() => this.#storage.listDeployments());
  }

  setReference(deployment: DeploymentRef, source: ReferenceSource): Promise<ReferenceInfo> {
    return this.#run(async () => {
      const config = await this.#config(parseDeployment(deployment));
      const parsed = parseInput(referenceSourceSchema, source, "reference");
      const schema = this.#profileSchema(config);
      let profile: DatasetProfile;
      let rows: string | null = null;
      if ("rows" in parsed) {
        const referenceRows = parsed.rows.map((row) => this.#referenceRow(config, row));
        profile = new DatasetProfile(schema, this.#sketches);
        for (const row of referenceRows) profile.addRow(row);
        rows = encodeValue(referenceRows);
      } else {
        profile = this.#importProfile(schema, parsed.profile as DatasetProfileData);
      }
      const info: ReferenceInfo = {
        deployment: config.deployment.name,
        rows: profile.rows,
        hasRawData: rows !== null,
        lineage: parsed.trainingSet ? [parsed.trainingSet] : [],
        setAt: this.#clock.now(),
      };
      await this.#storage.putReference(config.deployment.name, { info, profile: profile.toJSON(), rows });
      return info;
    });
  }

  // A profile from outside: its columns must match the schema's kinds and this monitor's sketches.
  #importProfile(schema: Schema, data: DatasetProfileData): DatasetProfile {
    parseInput(datasetProfileSchema, data, "reference profile");
    const alpha = this.#sketches.quantileAccuracy ?? 0.01;
    for (const field of schema.fields) {
      const column = data.columns[field.name];
      if (!column) continue;
      if (column.kind !== columnKind(field) || (column.sketch && column.sketch.alpha !== alpha)) {
        throw new MlstackError(
          "INVALID_ARGUMENT",
          `reference profile column "${field.name}" does not match the schema or this monitor's sketches`,
          { details: { column: field.name, kind: column.kind, expectedKind: columnKind(field) } },
        );
      }
    }
    try {
      return DatasetProfile.fromJSON(schema, data, this.#sketches);
    } catch (error) {
      throw new MlstackError("INVALID_ARGUMENT", "the reference profile cannot be read", { cause: error });
    }
  }

  getReference(deployment: DeploymentRef): Promise<ReferenceInfo> {
    return this.#run(async () => (await this.#reference(parseDeployment(deployment))).info);
  }

  async #reference(deployment: DeploymentRef | string): Promise<StoredReference> {
    const config = await this.#config(deployment);
    const reference = await this.#storage.getReference(config.deployment.name);
    if (!reference) {
      throw new MlstackError("FAILED_PRECONDITION", `deployment "${config.deployment.name}" has no reference yet`, {
        details: { deployment: config.deployment.name },
      });
    }
    return reference;
  }

  log(deployment: DeploymentRef, rows: LogRow[]): Promise<LogResult> {
    return this.#run(async () => {
      const config = await this.#config(parseDeployment(deployment));
      const parsed = parseLogRows(rows);
      const schema = this.#profileSchema(config);
      const buckets = new Map<number, DatasetProfile>();
      const now = this.#clock.now();
      const records = parsed.map((row) => {
        const timestamp = row.timestamp ?? Math.floor(now);
        const bucket = Math.floor(timestamp / config.windowMs) * config.windowMs;
        let profile = buckets.get(bucket);
        if (!profile) buckets.set(bucket, (profile = new DatasetProfile(schema, this.#sketches)));
        profile.addRow(this.#profileRow(config, row.features, row.prediction));
        return {
          timestamp,
          requestId: row.requestId ?? null,
          payload: encodeValue({
            features: row.features,
            ...(row.prediction === undefined ? {} : { prediction: row.prediction }),
            ...(row.score === undefined ? {} : { score: row.score }),
          }),
          label: null,
        };
      });
      const deltas = [...buckets].map(([bucketStart, p]) => ({ bucketStart, profile: p.toJSON() }));
      await this.#storage.appendLog(config.deployment.name, records, deltas, (stored, delta) =>
        DatasetProfile.mergeAll(schema, [stored, delta], this.#sketches).toJSON(),
      );
      const invalid = new Map<string, { column: string; reason: string; count: number }>();
      let typeErrors = 0;
      let nulls = 0;
      for (const p of buckets.values()) {
        for (const [column, c] of p.columns) {
          typeErrors += c.typeErrors;
          nulls += c.nulls;
          for (const [reason, count] of [
            ["type_error", c.typeErrors],
            ["null", c.nulls],
            ["nan", c.nan],
            ["infinite", c.infinite],
          ] as const) {
            const key = `${column}\u0000${reason}`;
            const entry = invalid.get(key) ?? { column, reason, count: 0 };
            entry.count += count;
            invalid.set(key, entry);
          }
        }
      }
      this.#metrics.logged(config.deployment.name, records.length, invalid.values());
      return {
        accepted: records.length,
        typeErrors,
        nulls,
        windows: [...buckets.keys()]
          .sort((a, b) => a - b)
          .map((start) => windowRef(config.deployment.name, start, start + config.windowMs)),
      };
    });
  }

  logLabels(deployment: DeploymentRef, labels: LabelInput[]): Promise<LabelResult> {
    return this.#run(async () => {
      const config = await this.#config(parseDeployment(deployment));
      requireCapability(this, "labels");
      const parsed = parseInput(labelsSchema, labels, "labels");
      const matched = new Set(
        await this.#storage.attachLabels(
          config.deployment.name,
          parsed.map((l) => ({ requestId: l.requestId, label: encodeValue(l.label ?? null) })),
        ),
      );
      this.#metrics.labeled(config.deployment.name, matched.size);
      return {
        matched: matched.size,
        unmatched: [...new Set(parsed.map((l) => l.requestId))].filter((id) => !matched.has(id)),
      };
    });
  }

  windowAt(deployment: DeploymentRef, time: number): Promise<MonitorWindowRef> {
    return this.#run(async () => {
      const config = await this.#config(parseDeployment(deployment));
      parseInput(timeSchema, time, "time");
      const start = Math.floor(time / config.windowMs) * config.windowMs;
      return windowRef(config.deployment.name, start, start + config.windowMs);
    });
  }

  async #window(window: MonitorWindowRef): Promise<{ config: DeploymentConfig; window: MonitorWindowRef }> {
    const parsed = parseInput(windowSchema, window, "window");
    const config = await this.#config(parsed.deployment);
    if (parsed.start % config.windowMs !== 0 || parsed.end % config.windowMs !== 0) {
      throw new MlstackError(
        "INVALID_ARGUMENT",
        `window bounds must be multiples of the deployment's windowMs (${config.windowMs})`,
        { details: { start: parsed.start, end: parsed.end, windowMs: config.windowMs } },
      );
    }
    return { config, window: parsed };
  }

  async #windowProfile(config: DeploymentConfig, window: MonitorWindowRef): Promise<DatasetProfile> {
    const parts = await this.#storage.listProfiles(config.deployment.name, window.start, window.end);
    return DatasetProfile.mergeAll(
      this.#profileSchema(config),
      parts.map((p) => p.profile),
      this.#sketches,
    );
  }

  async #records(config: DeploymentConfig, window: MonitorWindowRef): Promise<DecodedRecord[]> {
    const stored = await this.#storage.listRecords(config.deployment.name, window.start, window.end);
    return stored.map((r) => {
      const payload = decodeValue(r.payload) as {
        features: Record<string, unknown>;
        prediction?: unknown;
        score?: number;
      };
      return {
        timestamp: r.timestamp,
        ...(r.requestId === null ? {} : { requestId: r.requestId }),
        features: payload.features,
        prediction: payload.prediction,
        ...(typeof payload.score === "number" ? { score: payload.score } : {}),
        label: r.label === null ? undefined : decodeValue(r.label),
        labeled: r.label !== null,
      };
    });
  }

  profile(window: MonitorWindowRef): Promise<DatasetProfileData> {
    return this.#run(async () => {
      const { config, window: w } = await this.#window(window);
      return (await this.#windowProfile(config, w)).toJSON();
    });
  }

  drift(window: MonitorWindowRef, options: DriftOptions = {}): Promise<DriftResult> {
    return this.#run(async () => {
      const { config, window: w } = await this.#window(window);
      const opts = parseInput(driftOptionsSchema, options, "drift options") as DriftOptions;
      return this.#drift(config, w, opts);
    });
  }

  async #drift(config: DeploymentConfig, window: MonitorWindowRef, options: DriftOptions): Promise<DriftResult> {
    const settings = driftSettings(options);
    const schema = this.#profileSchema(config);
    const fields = driftColumns(schema.fields, options.columns);
    const reference = await this.#reference(config.deployment.name);
    const wanted = options.source ?? "auto";
    if (wanted === "raw") requireCapability(this, "rawDrift");
    if (wanted === "profile") requireCapability(this, "profileDrift");
    if (wanted === "raw" && reference.rows === null) {
      throw new MlstackError("FAILED_PRECONDITION", "raw drift needs a reference set from rows, not from a profile");
    }
    const source: "raw" | "profile" =
      wanted === "auto" ? (reference.rows !== null && this.capabilities.rawDrift ? "raw" : "profile") : wanted;
    if (source === "profile") requireCapability(this, "profileDrift");
    checkMethods(fields, settings, source);
    const correction = options.correction ?? "bonferroni";
    const level = options.level ?? settings.thresholds.pValue;
    const onColumn = (done: number) => {
      if (options.signal?.aborted)
        throw new MlstackError("CANCELLED", "drift was aborted", { cause: options.signal.reason });
      this.events.emit("progress", {
        task: `drift:${config.deployment.name}`,
        done,
        total: fields.length,
        unit: "columns",
      });
    };
    let computed: Pick<DriftResult, "columns" | "dataset">;
    if (source === "raw") {
      const referenceRows = decodeValue(reference.rows as string) as Record<string, unknown>[];
      const currentRows = (await this.#records(config, window)).map((r) =>
        this.#profileRow(config, r.features, r.prediction),
      );
      computed = rawDrift(fields, referenceRows, currentRows, settings, correction, level, onColumn);
    } else {
      const ref = DatasetProfile.fromJSON(schema, reference.profile, this.#sketches);
      const cur = await this.#windowProfile(config, window);
      computed = profileDrift(fields, ref, cur, settings, correction, level, onColumn);
    }
    const result: DriftResult = {
      window,
      source,
      reference: reference.info,
      ...computed,
      computedAt: this.#clock.now(),
    };
    this.#metrics.drift(result);
    return result;
  }

  quality(window: MonitorWindowRef): Promise<QualityReport> {
    return this.#run(async () => {
      const { config, window: w } = await this.#window(window);
      const records = await this.#records(config, w);
      const reference = await this.#storage.getReference(config.deployment.name);
      const referenceCategories = new Map<string, Set<string>>();
      for (const [column, p] of Object.entries(reference?.profile.columns ?? {})) {
        // Only a complete category list can tell a new category from a rare one.
        if (p.frequent && p.frequent.maxError === 0)
          referenceCategories.set(column, new Set(p.frequent.counts.map((e) => e[0])));
      }
      const issues = checkQuality(
        config.schema,
        records.map((r) => ({ features: r.features, ...(r.requestId ? { requestId: r.requestId } : {}) })),
        { ranges: config.ranges, referenceCategories },
      );
      return { window: w, rows: records.length, issues, ok: issues.length === 0 };
    });
  }

  performance(window: MonitorWindowRef): Promise<PerformanceMetrics> {
    return this.#run(async () => {
      const { config, window: w } = await this.#window(window);
      requireCapability(this, "labels");
      const result = await this.#performance(config, w);
      this.#metrics.performance(config.deployment.name, result);
      return result;
    });
  }

  async #performance(config: DeploymentConfig, window: MonitorWindowRef): Promise<PerformanceMetrics> {
    const prediction = config.prediction;
    if (!prediction) {
      throw new MlstackError("FAILED_PRECONDITION", `deployment "${config.deployment.name}" declares no prediction`);
    }
    const labeled = (await this.#records(config, window)).filter((r) => r.labeled && r.label !== null);
    if (prediction.task === "regression") {
      return regressionMetrics(
        labeled
          .filter((r) => typeof r.prediction === "number" && typeof r.label === "number")
          .map((r) => ({ predicted: r.prediction as number, actual: r.label as number })),
      );
    }
    return classificationMetrics(
      labeled
        .filter((r) => r.prediction !== undefined && r.prediction !== null)
        .map((r) => ({
          predicted: String(r.prediction),
          actual: String(r.label),
          ...(r.score === undefined ? {} : { score: r.score }),
        })),
      prediction.positiveLabel,
    );
  }

  putAlertRule(input: AlertRuleInput): Promise<AlertRule> {
    return this.#run(async () => {
      requireCapability(this, "alerts");
      const parsed = parseInput(alertRuleInputSchema, input, "alert rule");
      const config = await this.#config(parsed.deployment);
      const windowMs = parsed.windowMs ?? config.windowMs;
      if (windowMs % config.windowMs !== 0) {
        throw new MlstackError(
          "INVALID_ARGUMENT",
          `an alert window must be a multiple of windowMs (${config.windowMs})`,
          {
            details: { windowMs },
          },
        );
      }
      if (parsed.column !== undefined && !this.#profileSchema(config).fields.some((f) => f.name === parsed.column)) {
        throw new MlstackError(
          "INVALID_ARGUMENT",
          `no column "${parsed.column}" in deployment "${config.deployment.name}"`,
        );
      }
      const rule: AlertRule = {
        id: parsed.id ?? this.#ids(),
        deployment: config.deployment.name,
        name: parsed.name,
        metric: parsed.metric,
        ...(parsed.column === undefined ? {} : { column: parsed.column }),
        comparison: parsed.comparison,
        threshold: parsed.threshold,
        windowMs,
        forMs: parsed.forMs ?? 0,
      };
      await this.#storage.putAlertRule(rule);
      return rule;
    });
  }

  listAlertRules(deployment?: DeploymentRef): Promise<AlertRule[]> {
    return this.#run(async () => {
      requireCapability(this, "alerts");
      const name =
        deployment === undefined ? undefined : (await this.#config(parseDeployment(deployment))).deployment.name;
      return this.#storage.listAlertRules(name);
    });
  }

  deleteAlertRule(id: string): Promise<void> {
    return this.#run(async () => {
      requireCapability(this, "alerts");
      parseInput(ruleIdSchema, id, "rule id");
      if (!(await this.#storage.deleteAlertRule(id))) {
        throw new MlstackError("NOT_FOUND", `no alert rule "${id}"`, { details: { rule: id } });
      }
    });
  }

  evaluateAlerts(deployment: DeploymentRef, options: { at?: number } = {}): Promise<AlertState[]> {
    return this.#run(async () => {
      requireCapability(this, "alerts");
      const config = await this.#config(parseDeployment(deployment));
      const { at = Math.floor(this.#clock.now()) } = parseInput(evaluateOptionsSchema, options, "evaluate options");
      // One evaluation at a time, so two callers cannot both fire the same alert.
      const run = this.#alertQueue.then(() => this.#evaluate(config, at));
      this.#alertQueue = run.catch(() => undefined);
      return run;
    });
  }

  async #evaluate(config: DeploymentConfig, at: number): Promise<AlertState[]> {
    const rules = await this.#storage.listAlertRules(config.deployment.name);
    const end = Math.floor(at / config.windowMs) * config.windowMs + config.windowMs;
    const cache = new Map<string, Promise<number | null>>();
    const states: AlertState[] = [];
    for (const rule of rules) {
      const window = windowRef(config.deployment.name, end - rule.windowMs, end);
      const key = `${rule.metric}\u0000${rule.column ?? ""}\u0000${rule.windowMs}`;
      let pending = cache.get(key);
      if (!pending) cache.set(key, (pending = this.#metricValue(config, rule, window)));
      const value = await pending;
      const previous = await this.#storage.getAlertState(rule.id);
      const { state, transition } = stepAlert(rule, previous, value, at);
      // Another evaluator (maybe another process) moved the rule first: report its state, emit nothing.
      if (!(await this.#storage.compareAndSetAlertState(previous, state))) {
        const current = await this.#storage.getAlertState(rule.id);
        if (current) states.push(current);
        continue;
      }
      this.#metrics.alert(rule, state);
      if (transition === "firing") this.events.emit("alert.firing", { rule, state, window, value });
      if (transition === "resolved") this.events.emit("alert.resolved", { rule, state, window, value });
      states.push(state);
    }
    return states;
  }

  #metricValue(config: DeploymentConfig, rule: AlertRule, window: MonitorWindowRef): Promise<number | null> {
    return alertMetricValue(rule, config, {
      drift: async () =>
        (await this.#storage.getReference(config.deployment.name)) ? this.#drift(config, window, {}) : undefined,
      profile: () => this.#windowProfile(config, window),
      performance: () => this.#performance(config, window),
    });
  }

  metrics(): Promise<string> {
    return this.#run(async () => {
      requireCapability(this, "prometheus");
      return this.#metrics.text();
    });
  }
}

// Classifiers' predictions are profiled as categories: numbers and booleans become strings.
function classOf(config: DeploymentConfig, prediction: unknown): unknown {
  return config.prediction?.task === "classification" &&
    (typeof prediction === "number" || typeof prediction === "boolean")
    ? String(prediction)
    : prediction;
}

function windowRef(deployment: string, start: number, end: number): MonitorWindowRef {
  return { kind: "monitor-window", deployment, start, end };
}

function parseDeployment(ref: DeploymentRef): DeploymentRef {
  return parseInput(deploymentRefSchema, ref, "deployment ref");
}
