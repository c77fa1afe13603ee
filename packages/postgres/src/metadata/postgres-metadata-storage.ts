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
import type { PostgresClient, PostgresConnectionOptions } from "../database.js";
import { PostgresDatabase } from "../database.js";
import { METADATA_MIGRATIONS } from "./migrations.js";
import { searchSql } from "./run-search-sql.js";

type Row = Record<string, unknown>;

// Writers racing on one row (a model's next version, an alias) abort all but one per round under
// SERIALIZABLE, so n writers at once need up to n - 1 retries: 10 covers bursts of 11 (the default 3, 4).
const WRITE_RETRIES = 10;

const json = (v: unknown) => JSON.stringify(v);
// BIGINT columns arrive as strings (pg does not guess at 64-bit integers); ours are safe integers.
const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null ? null : Number(v));
const latestValue = (v: unknown) => (v === null ? Number.NaN : (v as number));
// pg sends a number as String(n), which turns -0 into 0; float8 parses "-0" (and NaN, ±Infinity) exactly.
const float8 = (v: number) => (Object.is(v, -0) ? "-0" : v);

function experimentOf(r: Row): Experiment {
  return {
    experimentId: r.experiment_id as string,
    name: r.name as string,
    lifecycle: r.lifecycle as Experiment["lifecycle"],
    tags: JSON.parse(r.tags as string),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
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
    startTime: num(r.start_time),
    endTime: numOrNull(r.end_time),
    errorMessage: r.error_message as string | null,
  };
}

function modelOf(r: Row): StoredModel {
  return {
    name: r.name as string,
    description: r.description as string,
    tags: JSON.parse(r.tags as string),
    lastVersion: r.last_version as number,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
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
    createdAt: num(r.created_at),
    deletedAt: numOrNull(r.deleted_at),
  };
}

const artifactOf = (r: Row): LineageArtifact => ({
  key: r.key as string,
  ref: JSON.parse(r.ref as string),
  properties: JSON.parse(r.properties as string),
});

const nodeOf = (r: Row) => ({
  id: r.id as string,
  type: r.type as string,
  name: r.name as string,
  properties: JSON.parse(r.properties as string),
});

/** One engine transaction on one pooled connection: every method is one or a few statements. */
class PostgresMetadataTx implements MetadataTx {
  readonly #client: PostgresClient;
  readonly #sql: (text: string) => string;

  constructor(client: PostgresClient, sql: (text: string) => string) {
    this.#client = client;
    this.#sql = sql;
  }

  async #all(text: string, ...values: unknown[]): Promise<Row[]> {
    return (await this.#client.query(this.#sql(text), values)).rows;
  }
  async #get(text: string, ...values: unknown[]): Promise<Row | undefined> {
    return (await this.#all(text, ...values))[0];
  }
  async #run(text: string, ...values: unknown[]): Promise<void> {
    await this.#client.query(this.#sql(text), values);
  }

  async getExperiment(experimentId: string): Promise<Experiment | undefined> {
    const r = await this.#get("SELECT * FROM md_experiments WHERE experiment_id = $1", experimentId);
    return r && experimentOf(r);
  }
  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const r = await this.#get("SELECT * FROM md_experiments WHERE name = $1", name);
    return r && experimentOf(r);
  }
  async listExperiments(): Promise<Experiment[]> {
    return (await this.#all("SELECT * FROM md_experiments")).map(experimentOf);
  }
  putExperiment(e: Experiment): Promise<void> {
    return this.#run(
      "INSERT INTO md_experiments (experiment_id, name, lifecycle, tags, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) " +
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

  async getRunInfo(runId: string): Promise<RunInfo | undefined> {
    const r = await this.#get("SELECT * FROM md_runs WHERE run_id = $1", runId);
    return r && runInfoOf(r);
  }
  async getRuns(runIds: readonly string[]): Promise<Run[]> {
    if (runIds.length === 0) return [];
    type Building = RunInfo & {
      params: Record<string, string>;
      tags: Record<string, string>;
      metrics: Record<string, MetricPoint>;
    };
    const runs = new Map<string, Building>();
    for (const r of await this.#all("SELECT * FROM md_runs WHERE run_id = ANY($1::text[])", runIds)) {
      runs.set(r.run_id as string, { ...runInfoOf(r), params: {}, tags: {}, metrics: {} });
    }
    const kv = "SELECT run_id, key, value FROM %t WHERE run_id = ANY($1::text[])";
    for (const r of await this.#all(kv.replace("%t", "md_params"), runIds))
      (runs.get(r.run_id as string) as Building).params[r.key as string] = r.value as string;
    for (const r of await this.#all(kv.replace("%t", "md_tags"), runIds))
      (runs.get(r.run_id as string) as Building).tags[r.key as string] = r.value as string;
    const latest = "SELECT run_id, key, value, timestamp, step FROM md_latest_metrics WHERE run_id = ANY($1::text[])";
    for (const r of await this.#all(latest, runIds)) {
      const key = r.key as string;
      (runs.get(r.run_id as string) as Building).metrics[key] = {
        key,
        value: latestValue(r.value),
        timestamp: num(r.timestamp),
        step: num(r.step),
      };
    }
    return runIds.flatMap((id): Run[] => {
      const run = runs.get(id);
      return run ? [run] : [];
    });
  }
  putRunInfo(i: RunInfo): Promise<void> {
    return this.#run(
      "INSERT INTO md_runs (run_id, experiment_id, name, parent_run_id, status, lifecycle, start_time, end_time, error_message) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (run_id) DO UPDATE SET " +
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
  async getParams(runId: string, keys: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.#all(
      "SELECT key, value FROM md_params WHERE run_id = $1 AND key = ANY($2::text[])",
      runId,
      keys,
    );
    return new Map(rows.map((r) => [r.key as string, r.value as string]));
  }
  insertParams(runId: string, params: ReadonlyMap<string, string>): Promise<void> {
    return this.#run(
      "INSERT INTO md_params (run_id, key, value) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING",
      runId,
      [...params.keys()],
      [...params.values()],
    );
  }
  putTags(runId: string, tags: ReadonlyMap<string, string>): Promise<void> {
    return this.#run(
      "INSERT INTO md_tags (run_id, key, value) SELECT $1, * FROM unnest($2::text[], $3::text[]) " +
        "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
      runId,
      [...tags.keys()],
      [...tags.values()],
    );
  }
  deleteTag(runId: string, key: string): Promise<void> {
    return this.#run("DELETE FROM md_tags WHERE run_id = $1 AND key = $2", runId, key);
  }
  async getLatestMetrics(runId: string, keys: readonly string[]): Promise<Map<string, MetricPoint>> {
    const rows = await this.#all(
      "SELECT key, value, timestamp, step FROM md_latest_metrics WHERE run_id = $1 AND key = ANY($2::text[])",
      runId,
      keys,
    );
    return new Map(
      rows.map((r) => [
        r.key as string,
        { key: r.key as string, value: latestValue(r.value), timestamp: num(r.timestamp), step: num(r.step) },
      ]),
    );
  }
  putLatestMetrics(runId: string, points: readonly MetricPoint[]): Promise<void> {
    return this.#run(
      "INSERT INTO md_latest_metrics (run_id, key, value, timestamp, step) " +
        "SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::bigint[], $5::bigint[]) " +
        "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step",
      runId,
      points.map((p) => p.key),
      points.map((p) => (Number.isNaN(p.value) ? null : float8(p.value))),
      points.map((p) => p.timestamp),
      points.map((p) => p.step),
    );
  }
  appendMetrics(runId: string, points: readonly MetricPoint[]): Promise<void> {
    return this.#run(
      "INSERT INTO md_metrics (run_id, key, step, timestamp, value) " +
        "SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::float8[]) ON CONFLICT DO NOTHING",
      runId,
      points.map((p) => p.key),
      points.map((p) => p.step),
      points.map((p) => p.timestamp),
      points.map((p) => float8(p.value)),
    );
  }
  async metricHistory(runId: string, key: string, minStep: number, maxStep: number): Promise<MetricPoint[]> {
    const rows = await this.#all(
      "SELECT step, timestamp, value FROM md_metrics WHERE run_id = $1 AND key = $2 AND step BETWEEN $3 AND $4 " +
        "ORDER BY step, timestamp, value",
      runId,
      key,
      minStep,
      maxStep,
    );
    return rows.map((r) => ({ key, value: r.value as number, timestamp: num(r.timestamp), step: num(r.step) }));
  }
  async searchRuns(query: StorageRunQuery): Promise<string[]> {
    const { text, values } = searchSql(query);
    return (await this.#all(text, ...values)).map((r) => r.run_id as string);
  }

  putRunArtifact(a: RunArtifact): Promise<void> {
    return this.#run(
      "INSERT INTO md_run_artifacts (run_id, path, ref, logged_at) VALUES ($1, $2, $3, $4) " +
        "ON CONFLICT (run_id, path) DO UPDATE SET ref = excluded.ref, logged_at = excluded.logged_at",
      a.runId,
      a.path,
      json(a.ref),
      a.loggedAt,
    );
  }
  async getRunArtifact(runId: string, path: string): Promise<RunArtifact | undefined> {
    const r = await this.#get("SELECT * FROM md_run_artifacts WHERE run_id = $1 AND path = $2", runId, path);
    return r && { runId, path, ref: JSON.parse(r.ref as string), loggedAt: num(r.logged_at) };
  }
  async listRunArtifacts(runId: string): Promise<RunArtifact[]> {
    return (await this.#all("SELECT * FROM md_run_artifacts WHERE run_id = $1 ORDER BY path", runId)).map((r) => ({
      runId,
      path: r.path as string,
      ref: JSON.parse(r.ref as string),
      loggedAt: num(r.logged_at),
    }));
  }

  async getModel(name: string): Promise<StoredModel | undefined> {
    const r = await this.#get("SELECT * FROM md_models WHERE name = $1", name);
    return r && modelOf(r);
  }
  async listModels(): Promise<StoredModel[]> {
    return (await this.#all("SELECT * FROM md_models")).map(modelOf);
  }
  putModel(m: StoredModel): Promise<void> {
    return this.#run(
      "INSERT INTO md_models (name, description, tags, last_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) " +
        "ON CONFLICT (name) DO UPDATE SET description = excluded.description, tags = excluded.tags, " +
        "last_version = excluded.last_version, created_at = excluded.created_at, updated_at = excluded.updated_at",
      m.name,
      m.description,
      json(m.tags),
      m.lastVersion,
      m.createdAt,
      m.updatedAt,
    );
  }
  async getModelVersion(model: string, version: string): Promise<ModelVersion | undefined> {
    const r = await this.#get("SELECT * FROM md_model_versions WHERE model = $1 AND version = $2", model, version);
    return r && versionOf(r);
  }
  async listModelVersions(filter: { model?: string; runId?: string }): Promise<ModelVersion[]> {
    const sql =
      "SELECT * FROM md_model_versions WHERE ($1::text IS NULL OR model = $1) AND ($2::text IS NULL OR run_id = $2)";
    return (await this.#all(sql, filter.model ?? null, filter.runId ?? null)).map(versionOf);
  }
  putModelVersion(v: ModelVersion): Promise<void> {
    return this.#run(
      "INSERT INTO md_model_versions (model, version, source, run_id, signature, description, tags, created_at, deleted_at) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (model, version) DO UPDATE SET source = excluded.source, " +
        "run_id = excluded.run_id, signature = excluded.signature, description = excluded.description, tags = excluded.tags, " +
        "created_at = excluded.created_at, deleted_at = excluded.deleted_at",
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
  async getAliases(model: string): Promise<Map<string, string>> {
    const rows = await this.#all("SELECT alias, version FROM md_aliases WHERE model = $1", model);
    return new Map(rows.map((r) => [r.alias as string, r.version as string]));
  }
  putAlias(model: string, alias: string, version: string | null): Promise<void> {
    if (version === null) return this.#run("DELETE FROM md_aliases WHERE model = $1 AND alias = $2", model, alias);
    return this.#run(
      "INSERT INTO md_aliases (model, alias, version) VALUES ($1, $2, $3) ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version",
      model,
      alias,
      version,
    );
  }
  appendAliasMove(m: AliasMove): Promise<void> {
    return this.#run(
      "INSERT INTO md_alias_moves (model, alias, from_version, to_version, at, by_whom) VALUES ($1, $2, $3, $4, $5, $6)",
      m.model,
      m.alias,
      m.from,
      m.to,
      m.at,
      m.by,
    );
  }
  async aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    const sql = "SELECT * FROM md_alias_moves WHERE model = $1 AND ($2::text IS NULL OR alias = $2) ORDER BY seq";
    return (await this.#all(sql, model, alias ?? null)).map((r) => ({
      model,
      alias: r.alias as string,
      from: r.from_version as string | null,
      to: r.to_version as string | null,
      at: num(r.at),
      by: r.by_whom as string | null,
    }));
  }

  async getArtifactNodes(keys: readonly string[]): Promise<LineageArtifact[]> {
    return (await this.#all("SELECT * FROM md_artifact_nodes WHERE key = ANY($1::text[])", keys)).map(artifactOf);
  }
  putArtifactNode(n: LineageArtifact): Promise<void> {
    return this.#run(
      "INSERT INTO md_artifact_nodes (key, ref, properties) VALUES ($1, $2, $3) " +
        "ON CONFLICT (key) DO UPDATE SET ref = excluded.ref, properties = excluded.properties",
      n.key,
      json(n.ref),
      json(n.properties),
    );
  }
  async getExecutions(ids: readonly string[]): Promise<LineageExecution[]> {
    return (await this.#all("SELECT * FROM md_executions WHERE id = ANY($1::text[])", ids)).map(nodeOf);
  }
  putExecution(n: LineageExecution): Promise<void> {
    return this.#putNode("md_executions", n);
  }
  async getContexts(ids: readonly string[]): Promise<LineageContext[]> {
    return (await this.#all("SELECT * FROM md_contexts WHERE id = ANY($1::text[])", ids)).map(nodeOf);
  }
  putContext(n: LineageContext): Promise<void> {
    return this.#putNode("md_contexts", n);
  }
  #putNode(table: "md_executions" | "md_contexts", n: LineageExecution | LineageContext): Promise<void> {
    return this.#run(
      `INSERT INTO ${table} (id, type, name, properties) VALUES ($1, $2, $3, $4) ` +
        "ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, properties = excluded.properties",
      n.id,
      n.type,
      n.name,
      json(n.properties),
    );
  }
  async hasEvent(e: LineageEvent): Promise<boolean> {
    const sql = "SELECT 1 FROM md_events WHERE artifact = $1 AND execution = $2 AND type = $3";
    return (await this.#get(sql, e.artifact, e.execution, e.type)) !== undefined;
  }
  insertEvent(e: LineageEvent): Promise<void> {
    const sql = "INSERT INTO md_events (artifact, execution, type) VALUES ($1, $2, $3)";
    return this.#run(sql, e.artifact, e.execution, e.type);
  }
  async eventsOf(artifactKeys: readonly string[], executionIds: readonly string[]): Promise<LineageEvent[]> {
    const sql =
      "SELECT artifact, execution, type FROM md_events WHERE artifact = ANY($1::text[]) " +
      "UNION SELECT artifact, execution, type FROM md_events WHERE execution = ANY($2::text[])";
    return (await this.#all(sql, artifactKeys, executionIds)) as unknown as LineageEvent[];
  }
  async putMemberships(
    attributions: readonly LineageAttribution[],
    associations: readonly LineageAssociation[],
  ): Promise<void> {
    if (attributions.length > 0) {
      await this.#run(
        "INSERT INTO md_attributions (artifact, context) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
        attributions.map((a) => a.artifact),
        attributions.map((a) => a.context),
      );
    }
    if (associations.length > 0) {
      await this.#run(
        "INSERT INTO md_associations (execution, context) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
        associations.map((a) => a.execution),
        associations.map((a) => a.context),
      );
    }
  }
  async membershipsOf(
    artifactKeys: readonly string[],
    executionIds: readonly string[],
  ): Promise<{ attributions: LineageAttribution[]; associations: LineageAssociation[] }> {
    const attributions = await this.#all(
      "SELECT artifact, context FROM md_attributions WHERE artifact = ANY($1::text[])",
      artifactKeys,
    );
    const associations = await this.#all(
      "SELECT execution, context FROM md_associations WHERE execution = ANY($1::text[])",
      executionIds,
    );
    return {
      attributions: attributions as unknown as LineageAttribution[],
      associations: associations as unknown as LineageAssociation[],
    };
  }
  async parentContexts(contextId: string): Promise<string[]> {
    const rows = await this.#all("SELECT parent FROM md_parent_contexts WHERE child = $1", contextId);
    return rows.map((r) => r.parent as string);
  }
  putParentContext(child: string, parent: string): Promise<void> {
    const sql = "INSERT INTO md_parent_contexts (child, parent) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    return this.#run(sql, child, parent);
  }
}

/**
 * The MetadataStore storage SPI on a Postgres schema: one database transaction per engine transaction,
 * on one pooled connection. Writes run `SERIALIZABLE` (the engine reads, decides, then writes, e.g. the
 * next model version number), retried up to 10 times on a serialization failure, then a retryable
 * `CONFLICT`; reads run `REPEATABLE READ`, one consistent snapshot. Several processes may share the schema.
 */
export class PostgresMetadataStorage implements MetadataStorage {
  readonly name = "postgres";
  readonly #db: PostgresDatabase;
  // Statement text with schema-qualified table names, built once per distinct statement.
  readonly #qualified = new Map<string, string>();
  readonly #sql = (text: string): string => {
    let q = this.#qualified.get(text);
    if (q === undefined) {
      q = text.replace(/\bmd_[a-z_]+\b/g, (name) => this.#db.table(name));
      // Search statements vary with the filter; keep the cache bounded.
      if (this.#qualified.size > 1024) this.#qualified.clear();
      this.#qualified.set(text, q);
    }
    return q;
  };

  private constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  /** Connects and migrates the schema's metadata tables (`FAILED_PRECONDITION` if they are newer than this library). */
  static async open(options: PostgresConnectionOptions): Promise<PostgresMetadataStorage> {
    const db = new PostgresDatabase(options);
    try {
      await db.migrate("metadata", METADATA_MIGRATIONS);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PostgresMetadataStorage(db);
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.#db.schema;
  }

  read<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T> {
    return this.#db.transaction(async (client) => fn(new PostgresMetadataTx(client, this.#sql)), {
      isolation: "repeatable read",
    });
  }

  write<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T> {
    return this.#db.transaction(async (client) => fn(new PostgresMetadataTx(client, this.#sql)), {
      isolation: "serializable",
      retries: WRITE_RETRIES,
    });
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
