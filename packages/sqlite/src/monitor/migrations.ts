import type { Migration } from "../database.js";

/** The Monitor's tables: deployments, references, logged records, bucket profiles, alert rules and state. */
export const MONITOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "monitor tables",
    up: `
      CREATE TABLE monitor_deployments (name TEXT PRIMARY KEY, config TEXT NOT NULL);
      CREATE TABLE monitor_references (
        deployment TEXT PRIMARY KEY REFERENCES monitor_deployments(name),
        info TEXT NOT NULL,
        profile TEXT NOT NULL,
        rows TEXT
      );
      CREATE TABLE monitor_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        deployment TEXT NOT NULL REFERENCES monitor_deployments(name),
        ts INTEGER NOT NULL,
        request_id TEXT,
        payload TEXT NOT NULL,
        label TEXT
      );
      CREATE INDEX monitor_records_by_time ON monitor_records (deployment, ts);
      CREATE INDEX monitor_records_by_request ON monitor_records (deployment, request_id);
      CREATE TABLE monitor_profiles (
        deployment TEXT NOT NULL REFERENCES monitor_deployments(name),
        bucket_start INTEGER NOT NULL,
        profile TEXT NOT NULL,
        PRIMARY KEY (deployment, bucket_start)
      );
      CREATE TABLE monitor_alert_rules (
        id TEXT PRIMARY KEY,
        deployment TEXT NOT NULL REFERENCES monitor_deployments(name),
        rule TEXT NOT NULL
      );
      CREATE TABLE monitor_alert_states (
        rule_id TEXT PRIMARY KEY REFERENCES monitor_alert_rules(id) ON DELETE CASCADE,
        state TEXT NOT NULL
      );
    `,
  },
];
