import type { Migration } from "../database.js";

/**
 * The MetadataStore tables, versioned. Metric values: the latest table keeps NaN as NULL (so every
 * comparison with it is false, as the filter rules want); the history table keeps it as the text
 * 'NaN' in an untyped column, so it can sit in the primary key that removes exact duplicates.
 *
 * Write cost drives the layout. History rows are keyed by (run number, step, key number, ...), so a
 * batch of a training loop (rising steps) lands on a few adjacent pages instead of one page per metric
 * key, at the price of a history read scanning the run's other keys within the step range. The latest
 * table has no index on its value, which changes on nearly every batch; search probes it per run, by
 * its (run, key) primary key, which holds the row itself (WITHOUT ROWID: one B-tree descent a probe).
 */
export const METADATA_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "experiments, runs, params, tags, metrics, artifacts, registry, lineage",
    up: `
      CREATE TABLE md_experiments (
        experiment_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, lifecycle TEXT NOT NULL,
        tags TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE md_runs (
        run_id TEXT PRIMARY KEY, run_seq INTEGER NOT NULL UNIQUE, experiment_id TEXT NOT NULL, name TEXT NOT NULL, parent_run_id TEXT,
        status TEXT NOT NULL, lifecycle TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER,
        error_message TEXT) WITHOUT ROWID;
      CREATE INDEX md_runs_by_experiment ON md_runs (experiment_id, lifecycle, start_time DESC, run_id);
      CREATE TABLE md_params (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)) WITHOUT ROWID;
      CREATE INDEX md_params_by_key ON md_params (key, value);
      CREATE TABLE md_tags (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)) WITHOUT ROWID;
      CREATE INDEX md_tags_by_key ON md_tags (key, value);
      CREATE TABLE md_latest_metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, key_no INTEGER NOT NULL, value REAL,
        timestamp INTEGER NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;
      CREATE TABLE md_metrics (run_seq INTEGER NOT NULL, step INTEGER NOT NULL, key_no INTEGER NOT NULL,
        timestamp INTEGER NOT NULL, value NOT NULL,
        PRIMARY KEY (run_seq, step, key_no, timestamp, value)) WITHOUT ROWID;
      CREATE TABLE md_run_artifacts (run_id TEXT NOT NULL, path TEXT NOT NULL, ref TEXT NOT NULL,
        logged_at INTEGER NOT NULL, PRIMARY KEY (run_id, path)) WITHOUT ROWID;
      CREATE TABLE md_models (name TEXT PRIMARY KEY, description TEXT NOT NULL, tags TEXT NOT NULL,
        last_version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE md_model_versions (model TEXT NOT NULL, version TEXT NOT NULL, source TEXT NOT NULL,
        run_id TEXT, signature TEXT, description TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL,
        deleted_at INTEGER, PRIMARY KEY (model, version));
      CREATE INDEX md_model_versions_by_run ON md_model_versions (run_id);
      CREATE TABLE md_aliases (model TEXT NOT NULL, alias TEXT NOT NULL, version TEXT NOT NULL,
        PRIMARY KEY (model, alias)) WITHOUT ROWID;
      CREATE TABLE md_alias_moves (seq INTEGER PRIMARY KEY, model TEXT NOT NULL, alias TEXT NOT NULL,
        from_version TEXT, to_version TEXT, at INTEGER NOT NULL, by_whom TEXT);
      CREATE INDEX md_alias_moves_by_model ON md_alias_moves (model, alias);
      CREATE TABLE md_artifact_nodes (key TEXT PRIMARY KEY, ref TEXT NOT NULL, properties TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE md_executions (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL,
        properties TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE md_contexts (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL,
        properties TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE md_events (artifact TEXT NOT NULL, execution TEXT NOT NULL, type TEXT NOT NULL,
        PRIMARY KEY (artifact, execution, type)) WITHOUT ROWID;
      CREATE INDEX md_events_by_execution ON md_events (execution, type, artifact);
      CREATE TABLE md_attributions (artifact TEXT NOT NULL, context TEXT NOT NULL,
        PRIMARY KEY (artifact, context)) WITHOUT ROWID;
      CREATE TABLE md_associations (execution TEXT NOT NULL, context TEXT NOT NULL,
        PRIMARY KEY (execution, context)) WITHOUT ROWID;
      CREATE TABLE md_parent_contexts (child TEXT NOT NULL, parent TEXT NOT NULL,
        PRIMARY KEY (child, parent)) WITHOUT ROWID;
    `,
  },
];
