import { canonicalJson, MlstackError } from "@mlstack/core";
import type {
  AlertRule,
  AlertState,
  DeploymentConfig,
  MonitorStorage,
  ProfileDelta,
  ProfileMerger,
  StoredRecord,
  StoredReference,
} from "@mlstack/monitor";
import { mapSqliteError, migrate, openDatabase, type SqliteDatabase, writeTransaction } from "../database.js";
import { MONITOR_MIGRATIONS } from "./migrations.js";

interface RecordRow {
  ts: number;
  request_id: string | null;
  payload: string;
  label: string | null;
}

// JSON columns are written by this class only; a row that does not parse is a damaged file.
function parse<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new MlstackError("DATA_CORRUPTION", `a stored ${what} is not valid JSON`, { cause: error });
  }
}

/**
 * The Monitor storage SPI on one SQLite file: every method is one statement or one `BEGIN IMMEDIATE`
 * transaction, so several processes can log into the same file without losing counts (the profile
 * merge of a log batch runs under the write lock).
 */
export class SqliteMonitorStorage implements MonitorStorage {
  readonly #db: SqliteDatabase;
  #closed = false;

  private constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** Opens (creating if needed) and migrates a file; `:memory:` for a throwaway store. */
  static open(filename: string, options: { busyTimeoutMs?: number } = {}): SqliteMonitorStorage {
    const db = openDatabase(filename, options);
    try {
      migrate(db, "monitor", MONITOR_MIGRATIONS);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteMonitorStorage(db);
  }

  #read<T>(fn: () => T): T {
    if (this.#closed)
      throw new MlstackError("UNAVAILABLE", "the SQLite monitor storage is closed", { retryable: false });
    try {
      return fn();
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  #write<T>(fn: () => T): T {
    return this.#read(() => writeTransaction(this.#db, fn));
  }

  #requireDeployment(name: string): void {
    if (!this.#db.prepare("SELECT 1 FROM monitor_deployments WHERE name = ?").get(name)) {
      throw new MlstackError("NOT_FOUND", `no monitored deployment "${name}"`, { details: { deployment: name } });
    }
  }

  async createDeployment(config: DeploymentConfig): Promise<void> {
    const name = config.deployment.name;
    this.#write(() => {
      if (this.#db.prepare("SELECT 1 FROM monitor_deployments WHERE name = ?").get(name)) {
        throw new MlstackError("ALREADY_EXISTS", `deployment "${name}" is already monitored`, {
          details: { deployment: name },
        });
      }
      this.#db
        .prepare("INSERT INTO monitor_deployments (name, config) VALUES (?, ?)")
        .run(name, JSON.stringify(config));
    });
  }

  async getDeployment(name: string): Promise<DeploymentConfig | undefined> {
    const row = this.#read(
      () =>
        this.#db.prepare("SELECT config FROM monitor_deployments WHERE name = ?").get(name) as
          | { config: string }
          | undefined,
    );
    return row ? parse<DeploymentConfig>(row.config, "deployment") : undefined;
  }

  async listDeployments(): Promise<DeploymentConfig[]> {
    const rows = this.#read(
      () => this.#db.prepare("SELECT config FROM monitor_deployments ORDER BY name").all() as { config: string }[],
    );
    return rows.map((r) => parse<DeploymentConfig>(r.config, "deployment"));
  }

  async putReference(deployment: string, reference: StoredReference): Promise<void> {
    this.#write(() => {
      this.#requireDeployment(deployment);
      this.#db
        .prepare(
          `INSERT INTO monitor_references (deployment, info, profile, rows) VALUES (?, ?, ?, ?)
           ON CONFLICT(deployment) DO UPDATE SET info = excluded.info, profile = excluded.profile, rows = excluded.rows`,
        )
        .run(deployment, JSON.stringify(reference.info), JSON.stringify(reference.profile), reference.rows);
    });
  }

  async getReference(deployment: string): Promise<StoredReference | undefined> {
    const row = this.#read(() => {
      this.#requireDeployment(deployment);
      return this.#db
        .prepare("SELECT info, profile, rows FROM monitor_references WHERE deployment = ?")
        .get(deployment) as { info: string; profile: string; rows: string | null } | undefined;
    });
    if (!row) return undefined;
    return { info: parse(row.info, "reference"), profile: parse(row.profile, "reference profile"), rows: row.rows };
  }

  async appendLog(
    deployment: string,
    records: StoredRecord[],
    deltas: ProfileDelta[],
    merge: ProfileMerger,
  ): Promise<void> {
    this.#write(() => {
      this.#requireDeployment(deployment);
      const insert = this.#db.prepare(
        "INSERT INTO monitor_records (deployment, ts, request_id, payload, label) VALUES (?, ?, ?, ?, ?)",
      );
      for (const r of records) insert.run(deployment, r.timestamp, r.requestId, r.payload, r.label);
      const select = this.#db.prepare("SELECT profile FROM monitor_profiles WHERE deployment = ? AND bucket_start = ?");
      const upsert = this.#db.prepare(
        `INSERT INTO monitor_profiles (deployment, bucket_start, profile) VALUES (?, ?, ?)
         ON CONFLICT(deployment, bucket_start) DO UPDATE SET profile = excluded.profile`,
      );
      for (const delta of deltas) {
        const stored = select.get(deployment, delta.bucketStart) as { profile: string } | undefined;
        const profile = stored ? merge(parse(stored.profile, "profile"), delta.profile) : delta.profile;
        upsert.run(deployment, delta.bucketStart, JSON.stringify(profile));
      }
    });
  }

  async listRecords(deployment: string, start: number, end: number): Promise<StoredRecord[]> {
    const rows = this.#read(() => {
      this.#requireDeployment(deployment);
      return this.#db
        .prepare(
          "SELECT ts, request_id, payload, label FROM monitor_records WHERE deployment = ? AND ts >= ? AND ts < ? ORDER BY id",
        )
        .all(deployment, start, end) as RecordRow[];
    });
    return rows.map((r) => ({ timestamp: r.ts, requestId: r.request_id, payload: r.payload, label: r.label }));
  }

  async attachLabels(deployment: string, labels: { requestId: string; label: string }[]): Promise<string[]> {
    return this.#write(() => {
      this.#requireDeployment(deployment);
      const update = this.#db.prepare("UPDATE monitor_records SET label = ? WHERE deployment = ? AND request_id = ?");
      const matched = new Set<string>();
      for (const l of labels) if (update.run(l.label, deployment, l.requestId).changes > 0) matched.add(l.requestId);
      return [...matched];
    });
  }

  async listProfiles(deployment: string, start: number, end: number): Promise<ProfileDelta[]> {
    const rows = this.#read(() => {
      this.#requireDeployment(deployment);
      return this.#db
        .prepare(
          "SELECT bucket_start, profile FROM monitor_profiles WHERE deployment = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start",
        )
        .all(deployment, start, end) as { bucket_start: number; profile: string }[];
    });
    return rows.map((r) => ({ bucketStart: r.bucket_start, profile: parse(r.profile, "profile") }));
  }

  async putAlertRule(rule: AlertRule): Promise<void> {
    this.#write(() => {
      this.#requireDeployment(rule.deployment);
      this.#db
        .prepare(
          `INSERT INTO monitor_alert_rules (id, deployment, rule) VALUES (?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET deployment = excluded.deployment, rule = excluded.rule`,
        )
        .run(rule.id, rule.deployment, JSON.stringify(rule));
    });
  }

  async deleteAlertRule(id: string): Promise<boolean> {
    return this.#write(() => this.#db.prepare("DELETE FROM monitor_alert_rules WHERE id = ?").run(id).changes > 0);
  }

  async listAlertRules(deployment?: string): Promise<AlertRule[]> {
    const rows = this.#read(() =>
      deployment === undefined
        ? (this.#db.prepare("SELECT rule FROM monitor_alert_rules ORDER BY id").all() as { rule: string }[])
        : (this.#db
            .prepare("SELECT rule FROM monitor_alert_rules WHERE deployment = ? ORDER BY id")
            .all(deployment) as {
            rule: string;
          }[]),
    );
    return rows.map((r) => parse<AlertRule>(r.rule, "alert rule"));
  }

  async getAlertState(ruleId: string): Promise<AlertState | undefined> {
    const row = this.#read(
      () =>
        this.#db.prepare("SELECT state FROM monitor_alert_states WHERE rule_id = ?").get(ruleId) as
          | { state: string }
          | undefined,
    );
    return row ? parse<AlertState>(row.state, "alert state") : undefined;
  }

  async compareAndSetAlertState(expected: AlertState | undefined, next: AlertState): Promise<boolean> {
    return this.#write(() => {
      if (!this.#db.prepare("SELECT 1 FROM monitor_alert_rules WHERE id = ?").get(next.ruleId)) return false;
      const row = this.#db.prepare("SELECT state FROM monitor_alert_states WHERE rule_id = ?").get(next.ruleId) as
        | { state: string }
        | undefined;
      if ((row === undefined) !== (expected === undefined)) return false;
      if (row && expected && row.state !== canonicalJson(expected)) return false;
      this.#db
        .prepare(
          `INSERT INTO monitor_alert_states (rule_id, state) VALUES (?, ?)
           ON CONFLICT(rule_id) DO UPDATE SET state = excluded.state`,
        )
        .run(next.ruleId, canonicalJson(next));
      return true;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
