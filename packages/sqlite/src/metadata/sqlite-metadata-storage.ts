import type { Ref } from "@mlstack/core";
import { MlstackError } from "@mlstack/core";
import type {
  AliasMove,
  Awaitable,
  Experiment,
  LineageArtifact,
  LineageAssociation,
  LineageAttribution,
  LineageContext,
  LineageEvent,
  LineageExecution,
  MetadataStorage,
  MetadataTx,
  MetricPoint,
  ModelVersion,
  Run,
  RunArtifact,
  RunInfo,
  StorageRunQuery,
  StoredModel,
} from "@mlstack/metadata";
import { compileLike, TransactionLock } from "@mlstack/metadata";
import type { Statement } from "better-sqlite3";
import type { SqliteDatabase } from "../database.js";
import { mapSqliteError, migrate } from "../database.js";
import { METADATA_MIGRATIONS } from "./migrations.js";
import { searchSql } from "./run-search-sql.js";

type Row = Record<string, unknown>;

// Batches of rows go up to 100 to a statement: one call into SQLite per 100 rows instead of per row.
const INSERT_CHUNK = 100;
const tuples = (rows: number, width: number) =>
  Array(rows)
    .fill(`(${Array(width).fill("?").join(", ")})`)
    .join(", ");
const insertMetricsSql = (rows: number) =>
  `INSERT OR IGNORE INTO md_metrics (run_seq, step, key_no, timestamp, value) VALUES ${tuples(rows, 5)}`;
const upsertLatestSql = (rows: number) =>
  `INSERT INTO md_latest_metrics (run_id, key, key_no, value, timestamp, step) VALUES ${tuples(rows, 6)} ` +
  "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step";

const IN_LIST = "(SELECT value FROM json_each(?))";
const json = (v: unknown) => JSON.stringify(v);
const list = (values: readonly string[]) => JSON.stringify(values);
// The latest table keeps NaN as NULL; the history table as the text 'NaN' (see migrations.ts).
const latestValue = (v: unknown) => (v === null ? Number.NaN : (v as number));
const historyValue = (v: unknown) => (typeof v === "string" ? Number.NaN : (v as number));

function experimentOf(r: Row): Experiment {
  return {
    experimentId: r.experiment_id as string,
    name: r.name as string,
    lifecycle: r.lifecycle as Experiment["lifecycle"],
    tags: JSON.parse(r.tags as string),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function runInfoOf(r: Row): RunInfo {
  return {
    runId: r.run_id as string,
    experimentId: r.experiment_id as string,
    name: r.name as string,
    parentRunId: r.parent_run_id as string | null,
    status: r.status as RunInfo["status"],
    lifecycle: r.lifecycle as RunInfo["lifecycle"],
    startTime: r.start_time as number,
    endTime: r.end_time as number | null,
    errorMessage: r.error_message as string | null,
  };
}

function versionOf(r: Row): ModelVersion {
  return {
    model: r.model as string,
    version: r.version as string,
    source: JSON.parse(r.source as string),
    runId: r.run_id as string | null,
    signature: r.signature === null ? null : JSON.parse(r.signature as string),
    description: r.description as string,
    tags: JSON.parse(r.tags as string),
    createdAt: r.created_at as number,
    deletedAt: r.deleted_at as number | null,
  };
}

const nodeOf = (r: Row) => ({
  id: r.id as string,
  type: r.type as string,
  name: r.name as string,
  properties: JSON.parse(r.properties as string),
});

/**
 * The MetadataStore storage SPI on one SQLite file (better-sqlite3): WAL, versioned migrations, every
 * write in a `BEGIN IMMEDIATE` transaction, so two processes can write one file and a killed process
 * leaves whole transactions or nothing.
 */
export class SqliteMetadataStorage implements MetadataStorage, MetadataTx {
  readonly name = "sqlite";
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, Statement>();
  // Compiled `like` patterns of this connection; bounded, since patterns come from queries.
  readonly #patterns = new Map<string, (value: string) => boolean>();
  #closed = false;
  // One connection runs one transaction at a time; async bodies would otherwise interleave on it.
  readonly #lock = new TransactionLock();
  // Within one write transaction: the metric key numbers of the run being logged to, read once by
  // getLatestMetrics and reused by putLatestMetrics and appendMetrics (they run in that order).
  #keys: { runId: string; numbers: Map<string, number> } | null = null;

  /** Migrates the file's metadata tables (`FAILED_PRECONDITION` for a file from a newer version). */
  constructor(db: SqliteDatabase) {
    this.#db = db;
    // Search probes the latest metrics of thousands of runs, and batches touch recent history pages:
    // a 64 MiB page cache (SQLite's default is 2 MiB) keeps both off the file system.
    db.pragma("cache_size = -65536");
    migrate(db, "metadata", METADATA_MIGRATIONS);
    db.function("mlstack_like", { deterministic: true }, (value: unknown, pattern: unknown, ci: unknown) => {
      if (typeof value !== "string") return 0;
      const key = `${ci}:${pattern}`;
      let match = this.#patterns.get(key);
      if (!match) {
        if (this.#patterns.size > 256) this.#patterns.clear();
        match = compileLike(String(pattern), ci === 1);
        this.#patterns.set(key, match);
      }
      return match(value) ? 1 : 0;
    });
  }

  read<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T> {
    return this.#lock.run(() => this.#transaction("BEGIN DEFERRED", fn));
  }

  write<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T> {
    return this.#lock.run(async () => {
      this.#keys = null;
      try {
        return await this.#transaction("BEGIN IMMEDIATE", fn);
      } finally {
        this.#keys = null;
      }
    });
  }

  // Explicit BEGIN/COMMIT rather than db.transaction(fn), which cannot span the awaits of an async body.
  async #transaction<T>(begin: string, fn: (tx: MetadataTx) => Awaitable<T>): Promise<T> {
    this.#open();
    try {
      this.#q(begin).run();
      const result = await fn(this);
      this.#q("COMMIT").run();
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#q("ROLLBACK").run();
      throw mapSqliteError(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw new MlstackError("FAILED_PRECONDITION", "the SQLite metadata storage is closed");
  }

  #q(sql: string): Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #all(sql: string, ...params: unknown[]): Row[] {
    return this.#q(sql).all(...params) as Row[];
  }

  #get(sql: string, ...params: unknown[]): Row | undefined {
    return this.#q(sql).get(...params) as Row | undefined;
  }

  #run(sql: string, ...params: unknown[]): void {
    this.#q(sql).run(...params);
  }

  getExperiment(experimentId: string): Experiment | undefined {
    const r = this.#get("SELECT * FROM md_experiments WHERE experiment_id = ?", experimentId);
    return r && experimentOf(r);
  }
  getExperimentByName(name: string): Experiment | undefined {
    const r = this.#get("SELECT * FROM md_experiments WHERE name = ?", name);
    return r && experimentOf(r);
  }
  listExperiments(): Experiment[] {
    return this.#all("SELECT * FROM md_experiments").map(experimentOf);
  }
  putExperiment(e: Experiment): void {
    this.#run(
      // An upsert, not OR REPLACE: a name taken by another experiment must fail, never delete that one.
      "INSERT INTO md_experiments (experiment_id, name, lifecycle, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) " +
        "ON CONFLICT (experiment_id) DO UPDATE SET name = excluded.name, lifecycle = excluded.lifecycle, tags = excluded.tags, " +
        "created_at = excluded.created_at, updated_at = excluded.updated_at",
      e.experimentId,
      e.name,
      e.lifecycle,
      json(e.tags),
      e.createdAt,
      e.updatedAt,
    );
  }

  getRunInfo(runId: string): RunInfo | undefined {
    const r = this.#get("SELECT * FROM md_runs WHERE run_id = ?", runId);
    return r && runInfoOf(r);
  }
  getRuns(runIds: readonly string[]): Run[] {
    if (runIds.length === 0) return [];
    const ids = list(runIds);
    const runs = new Map<string, { info: RunInfo; params: Row; tags: Row; metrics: Record<string, MetricPoint> }>();
    for (const r of this.#all(`SELECT * FROM md_runs WHERE run_id IN ${IN_LIST}`, ids)) {
      runs.set(r.run_id as string, { info: runInfoOf(r), params: {}, tags: {}, metrics: {} });
    }
    for (const r of this.#all(`SELECT run_id, key, value FROM md_params WHERE run_id IN ${IN_LIST}`, ids)) {
      (runs.get(r.run_id as string) as { params: Row }).params[r.key as string] = r.value;
    }
    for (const r of this.#all(`SELECT run_id, key, value FROM md_tags WHERE run_id IN ${IN_LIST}`, ids)) {
      (runs.get(r.run_id as string) as { tags: Row }).tags[r.key as string] = r.value;
    }
    const latest = `SELECT run_id, key, value, timestamp, step FROM md_latest_metrics WHERE run_id IN ${IN_LIST}`;
    for (const r of this.#all(latest, ids)) {
      const key = r.key as string;
      (runs.get(r.run_id as string) as { metrics: Record<string, MetricPoint> }).metrics[key] = {
        key,
        value: latestValue(r.value),
        timestamp: r.timestamp as number,
        step: r.step as number,
      };
    }
    return runIds.flatMap((id) => {
      const s = runs.get(id);
      return s
        ? [
            {
              ...s.info,
              params: s.params as Record<string, string>,
              tags: s.tags as Record<string, string>,
              metrics: s.metrics,
            },
          ]
        : [];
    });
  }
  putRunInfo(i: RunInfo): void {
    // A new run gets the next run number (the compact key of its metric history); an update keeps it.
    this.#run(
      "INSERT INTO md_runs (run_id, run_seq, experiment_id, name, parent_run_id, status, lifecycle, start_time, end_time, error_message) " +
        "VALUES (?, (SELECT coalesce(max(run_seq), 0) + 1 FROM md_runs), ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET " +
        "experiment_id = excluded.experiment_id, name = excluded.name, parent_run_id = excluded.parent_run_id, status = excluded.status, " +
        "lifecycle = excluded.lifecycle, start_time = excluded.start_time, end_time = excluded.end_time, error_message = excluded.error_message",
      i.runId,
      i.experimentId,
      i.name,
      i.parentRunId,
      i.status,
      i.lifecycle,
      i.startTime,
      i.endTime,
      i.errorMessage,
    );
  }
  getParams(runId: string, keys: readonly string[]): Map<string, string> {
    const rows = this.#all(
      `SELECT key, value FROM md_params WHERE run_id = ? AND key IN ${IN_LIST}`,
      runId,
      list(keys),
    );
    return new Map(rows.map((r) => [r.key as string, r.value as string]));
  }
  insertParams(runId: string, params: ReadonlyMap<string, string>): void {
    for (const [k, v] of params)
      this.#run("INSERT OR IGNORE INTO md_params (run_id, key, value) VALUES (?, ?, ?)", runId, k, v);
  }
  putTags(runId: string, tags: ReadonlyMap<string, string>): void {
    for (const [k, v] of tags)
      this.#run("INSERT OR REPLACE INTO md_tags (run_id, key, value) VALUES (?, ?, ?)", runId, k, v);
  }
  deleteTag(runId: string, key: string): void {
    this.#run("DELETE FROM md_tags WHERE run_id = ? AND key = ?", runId, key);
  }
  getLatestMetrics(runId: string, keys: readonly string[]): Map<string, MetricPoint> {
    // All the run's keys in one range read of the primary key; the few a batch names are picked here.
    const wanted = new Set(keys);
    const numbers = new Map<string, number>();
    const latest = new Map<string, MetricPoint>();
    for (const r of this.#all(
      "SELECT key, key_no, value, timestamp, step FROM md_latest_metrics WHERE run_id = ?",
      runId,
    )) {
      const key = r.key as string;
      numbers.set(key, r.key_no as number);
      if (wanted.has(key)) {
        latest.set(key, { key, value: latestValue(r.value), timestamp: r.timestamp as number, step: r.step as number });
      }
    }
    this.#keys = { runId, numbers };
    return latest;
  }
  putLatestMetrics(runId: string, points: readonly MetricPoint[]): void {
    // A new key gets the run's next key number (its compact id in the history table); a known key keeps it.
    const numbers = this.#keyNumbers(runId);
    let last = 0;
    for (const n of numbers.values()) last = Math.max(last, n);
    const values = points.flatMap((p) => {
      let no = numbers.get(p.key);
      if (no === undefined) numbers.set(p.key, (no = ++last));
      return [runId, p.key, no, Number.isNaN(p.value) ? null : p.value, p.timestamp, p.step];
    });
    for (let i = 0; i < points.length; i += INSERT_CHUNK) {
      const rows = Math.min(INSERT_CHUNK, points.length - i);
      this.#q(upsertLatestSql(rows)).run(values.slice(i * 6, (i + rows) * 6));
    }
  }
  #keyNumbers(runId: string): Map<string, number> {
    if (this.#keys?.runId === runId) return this.#keys.numbers;
    const rows = this.#all("SELECT key, key_no FROM md_latest_metrics WHERE run_id = ?", runId);
    const numbers = new Map(rows.map((r) => [r.key as string, r.key_no as number]));
    this.#keys = { runId, numbers };
    return numbers;
  }
  appendMetrics(runId: string, points: readonly MetricPoint[]): void {
    const series = this.#keyNumbers(runId);
    const seq = this.#get("SELECT run_seq FROM md_runs WHERE run_id = ?", runId)?.run_seq;
    const values: unknown[] = [];
    for (const p of points) {
      const id = series.get(p.key);
      if (id === undefined || seq === undefined) throw new MlstackError("INTERNAL", `metric ${p.key} has no series`);
      values.push(seq, p.step, id, p.timestamp, Number.isNaN(p.value) ? "NaN" : p.value);
    }
    for (let i = 0; i < points.length; i += INSERT_CHUNK) {
      const rows = Math.min(INSERT_CHUNK, points.length - i);
      this.#q(insertMetricsSql(rows)).run(values.slice(i * 5, (i + rows) * 5));
    }
  }
  metricHistory(runId: string, key: string, minStep: number, maxStep: number): MetricPoint[] {
    const sql =
      "SELECT step, timestamp, value FROM md_metrics WHERE run_seq = (SELECT run_seq FROM md_runs WHERE run_id = ?) " +
      "AND step BETWEEN ? AND ? AND key_no = (SELECT key_no FROM md_latest_metrics WHERE run_id = ? AND key = ?) " +
      "ORDER BY step, timestamp, value";
    return this.#all(sql, runId, minStep, maxStep, runId, key).map((r) => ({
      key,
      value: historyValue(r.value),
      timestamp: r.timestamp as number,
      step: r.step as number,
    }));
  }
  searchRuns(query: StorageRunQuery): string[] {
    const { text, params } = searchSql(query);
    return this.#all(text, ...params).map((r) => r.run_id as string);
  }

  putRunArtifact(a: RunArtifact): void {
    this.#run(
      "INSERT OR REPLACE INTO md_run_artifacts (run_id, path, ref, logged_at) VALUES (?, ?, ?, ?)",
      a.runId,
      a.path,
      json(a.ref),
      a.loggedAt,
    );
  }
  getRunArtifact(runId: string, path: string): RunArtifact | undefined {
    const r = this.#get("SELECT * FROM md_run_artifacts WHERE run_id = ? AND path = ?", runId, path);
    return r && { runId, path, ref: JSON.parse(r.ref as string), loggedAt: r.logged_at as number };
  }
  listRunArtifacts(runId: string): RunArtifact[] {
    return this.#all("SELECT * FROM md_run_artifacts WHERE run_id = ? ORDER BY path", runId).map((r) => ({
      runId,
      path: r.path as string,
      ref: JSON.parse(r.ref as string),
      loggedAt: r.logged_at as number,
    }));
  }

  getModel(name: string): StoredModel | undefined {
    const r = this.#get("SELECT * FROM md_models WHERE name = ?", name);
    return r && this.#modelOf(r);
  }
  #modelOf(r: Row): StoredModel {
    return {
      name: r.name as string,
      description: r.description as string,
      tags: JSON.parse(r.tags as string),
      lastVersion: r.last_version as number,
      createdAt: r.created_at as number,
      updatedAt: r.updated_at as number,
    };
  }
  listModels(): StoredModel[] {
    return this.#all("SELECT * FROM md_models").map((r) => this.#modelOf(r));
  }
  putModel(m: StoredModel): void {
    this.#run(
      "INSERT OR REPLACE INTO md_models (name, description, tags, last_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
      m.name,
      m.description,
      json(m.tags),
      m.lastVersion,
      m.createdAt,
      m.updatedAt,
    );
  }
  getModelVersion(model: string, version: string): ModelVersion | undefined {
    const r = this.#get("SELECT * FROM md_model_versions WHERE model = ? AND version = ?", model, version);
    return r && versionOf(r);
  }
  listModelVersions(filter: { model?: string; runId?: string }): ModelVersion[] {
    const sql = "SELECT * FROM md_model_versions WHERE (? IS NULL OR model = ?) AND (? IS NULL OR run_id = ?)";
    const model = filter.model ?? null;
    const runId = filter.runId ?? null;
    return this.#all(sql, model, model, runId, runId).map(versionOf);
  }
  putModelVersion(v: ModelVersion): void {
    this.#run(
      "INSERT OR REPLACE INTO md_model_versions (model, version, source, run_id, signature, description, tags, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      v.model,
      v.version,
      json(v.source),
      v.runId,
      v.signature === null ? null : json(v.signature),
      v.description,
      json(v.tags),
      v.createdAt,
      v.deletedAt,
    );
  }
  getAliases(model: string): Map<string, string> {
    return new Map(
      this.#all("SELECT alias, version FROM md_aliases WHERE model = ?", model).map((r) => [
        r.alias as string,
        r.version as string,
      ]),
    );
  }
  putAlias(model: string, alias: string, version: string | null): void {
    if (version === null) this.#run("DELETE FROM md_aliases WHERE model = ? AND alias = ?", model, alias);
    else this.#run("INSERT OR REPLACE INTO md_aliases (model, alias, version) VALUES (?, ?, ?)", model, alias, version);
  }
  appendAliasMove(m: AliasMove): void {
    this.#run(
      "INSERT INTO md_alias_moves (model, alias, from_version, to_version, at, by_whom) VALUES (?, ?, ?, ?, ?, ?)",
      m.model,
      m.alias,
      m.from,
      m.to,
      m.at,
      m.by,
    );
  }
  aliasHistory(model: string, alias?: string): AliasMove[] {
    const sql = "SELECT * FROM md_alias_moves WHERE model = ? AND (? IS NULL OR alias = ?) ORDER BY seq";
    return this.#all(sql, model, alias ?? null, alias ?? null).map((r) => ({
      model,
      alias: r.alias as string,
      from: r.from_version as string | null,
      to: r.to_version as string | null,
      at: r.at as number,
      by: r.by_whom as string | null,
    }));
  }

  getArtifactNodes(keys: readonly string[]): LineageArtifact[] {
    if (keys.length === 1) {
      const r = this.#get("SELECT * FROM md_artifact_nodes WHERE key = ?", keys[0]);
      return r ? [this.#artifactOf(r)] : [];
    }
    return this.#all(`SELECT * FROM md_artifact_nodes WHERE key IN ${IN_LIST}`, list(keys)).map((r) =>
      this.#artifactOf(r),
    );
  }
  #artifactOf(r: Row): LineageArtifact {
    return {
      key: r.key as string,
      ref: JSON.parse(r.ref as string) as Ref,
      properties: JSON.parse(r.properties as string),
    };
  }
  putArtifactNode(n: LineageArtifact): void {
    this.#run(
      "INSERT OR REPLACE INTO md_artifact_nodes (key, ref, properties) VALUES (?, ?, ?)",
      n.key,
      json(n.ref),
      json(n.properties),
    );
  }
  getExecutions(ids: readonly string[]): LineageExecution[] {
    return this.#all(`SELECT * FROM md_executions WHERE id IN ${IN_LIST}`, list(ids)).map(nodeOf);
  }
  putExecution(n: LineageExecution): void {
    this.#run(
      "INSERT OR REPLACE INTO md_executions (id, type, name, properties) VALUES (?, ?, ?, ?)",
      n.id,
      n.type,
      n.name,
      json(n.properties),
    );
  }
  getContexts(ids: readonly string[]): LineageContext[] {
    return this.#all(`SELECT * FROM md_contexts WHERE id IN ${IN_LIST}`, list(ids)).map(nodeOf);
  }
  putContext(n: LineageContext): void {
    this.#run(
      "INSERT OR REPLACE INTO md_contexts (id, type, name, properties) VALUES (?, ?, ?, ?)",
      n.id,
      n.type,
      n.name,
      json(n.properties),
    );
  }
  hasEvent(e: LineageEvent): boolean {
    return (
      this.#get(
        "SELECT 1 FROM md_events WHERE artifact = ? AND execution = ? AND type = ?",
        e.artifact,
        e.execution,
        e.type,
      ) !== undefined
    );
  }
  insertEvent(e: LineageEvent): void {
    this.#run("INSERT INTO md_events (artifact, execution, type) VALUES (?, ?, ?)", e.artifact, e.execution, e.type);
  }
  eventsOf(artifactKeys: readonly string[], executionIds: readonly string[]): LineageEvent[] {
    const sql =
      `SELECT artifact, execution, type FROM md_events WHERE artifact IN ${IN_LIST} ` +
      `UNION SELECT artifact, execution, type FROM md_events WHERE execution IN ${IN_LIST}`;
    return this.#all(sql, list(artifactKeys), list(executionIds)) as unknown as LineageEvent[];
  }
  putMemberships(attributions: readonly LineageAttribution[], associations: readonly LineageAssociation[]): void {
    for (const a of attributions)
      this.#run("INSERT OR IGNORE INTO md_attributions (artifact, context) VALUES (?, ?)", a.artifact, a.context);
    for (const a of associations)
      this.#run("INSERT OR IGNORE INTO md_associations (execution, context) VALUES (?, ?)", a.execution, a.context);
  }
  membershipsOf(
    artifactKeys: readonly string[],
    executionIds: readonly string[],
  ): { attributions: LineageAttribution[]; associations: LineageAssociation[] } {
    return {
      attributions: this.#all(
        `SELECT artifact, context FROM md_attributions WHERE artifact IN ${IN_LIST}`,
        list(artifactKeys),
      ) as unknown as LineageAttribution[],
      associations: this.#all(
        `SELECT execution, context FROM md_associations WHERE execution IN ${IN_LIST}`,
        list(executionIds),
      ) as unknown as LineageAssociation[],
    };
  }
  parentContexts(contextId: string): string[] {
    return this.#all("SELECT parent FROM md_parent_contexts WHERE child = ?", contextId).map((r) => r.parent as string);
  }
  putParentContext(child: string, parent: string): void {
    this.#run("INSERT OR IGNORE INTO md_parent_contexts (child, parent) VALUES (?, ?)", child, parent);
  }
}
