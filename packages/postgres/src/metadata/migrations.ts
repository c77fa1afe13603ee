import type { PostgresMigration } from "../database.js";

/**
 * The MetadataStore tables, versioned. Text that search orders or compares is `COLLATE "C"` (byte
 * order of UTF-8, i.e. code point order, as the reference compares strings). Metric values are
 * `double precision`, which keeps NaN and ±Infinity exactly; the latest table stores NaN as NULL, so
 * every filter comparison with it is false as the rules want, while the history table keeps NaN itself
 * in its unique key (Postgres treats NaN as equal to NaN there), which removes exact duplicates.
 */
export const METADATA_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "experiments, runs, params, tags, metrics, artifacts, registry, lineage",
    up: `
      CREATE TABLE md_experiments (experiment_id TEXT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL UNIQUE,
        lifecycle TEXT NOT NULL, tags TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE md_runs (run_id TEXT COLLATE "C" PRIMARY KEY, experiment_id TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL, parent_run_id TEXT COLLATE "C", status TEXT COLLATE "C" NOT NULL,
        lifecycle TEXT NOT NULL, start_time BIGINT NOT NULL, end_time BIGINT, error_message TEXT);
      CREATE INDEX md_runs_by_experiment ON md_runs (experiment_id, lifecycle, start_time DESC, run_id);
      CREATE TABLE md_params (run_id TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL,
        value TEXT COLLATE "C" NOT NULL, PRIMARY KEY (run_id, key));
      CREATE INDEX md_params_by_key ON md_params (key, value);
      CREATE TABLE md_tags (run_id TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL,
        value TEXT COLLATE "C" NOT NULL, PRIMARY KEY (run_id, key));
      CREATE INDEX md_tags_by_key ON md_tags (key, value);
      CREATE TABLE md_latest_metrics (run_id TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL,
        value DOUBLE PRECISION, timestamp BIGINT NOT NULL, step BIGINT NOT NULL, PRIMARY KEY (run_id, key));
      CREATE TABLE md_metrics (run_id TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL, step BIGINT NOT NULL,
        timestamp BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL, PRIMARY KEY (run_id, key, step, timestamp, value));
      CREATE TABLE md_run_artifacts (run_id TEXT COLLATE "C" NOT NULL, path TEXT COLLATE "C" NOT NULL,
        ref TEXT NOT NULL, logged_at BIGINT NOT NULL, PRIMARY KEY (run_id, path));
      CREATE TABLE md_models (name TEXT COLLATE "C" PRIMARY KEY, description TEXT NOT NULL, tags TEXT NOT NULL,
        last_version INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE md_model_versions (model TEXT COLLATE "C" NOT NULL, version TEXT COLLATE "C" NOT NULL,
        source TEXT NOT NULL, run_id TEXT, signature TEXT, description TEXT NOT NULL, tags TEXT NOT NULL,
        created_at BIGINT NOT NULL, deleted_at BIGINT, PRIMARY KEY (model, version));
      CREATE INDEX md_model_versions_by_run ON md_model_versions (run_id);
      CREATE TABLE md_aliases (model TEXT COLLATE "C" NOT NULL, alias TEXT COLLATE "C" NOT NULL,
        version TEXT NOT NULL, PRIMARY KEY (model, alias));
      CREATE TABLE md_alias_moves (seq BIGSERIAL PRIMARY KEY, model TEXT NOT NULL, alias TEXT NOT NULL,
        from_version TEXT, to_version TEXT, at BIGINT NOT NULL, by_whom TEXT);
      CREATE INDEX md_alias_moves_by_model ON md_alias_moves (model, alias);
      CREATE TABLE md_artifact_nodes (key TEXT PRIMARY KEY, ref TEXT NOT NULL, properties TEXT NOT NULL);
      CREATE TABLE md_executions (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, properties TEXT NOT NULL);
      CREATE TABLE md_contexts (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, properties TEXT NOT NULL);
      CREATE TABLE md_events (artifact TEXT NOT NULL, execution TEXT NOT NULL, type TEXT NOT NULL,
        PRIMARY KEY (artifact, execution, type));
      CREATE INDEX md_events_by_execution ON md_events (execution, type, artifact);
      CREATE TABLE md_attributions (artifact TEXT NOT NULL, context TEXT NOT NULL, PRIMARY KEY (artifact, context));
      CREATE TABLE md_associations (execution TEXT NOT NULL, context TEXT NOT NULL, PRIMARY KEY (execution, context));
      CREATE TABLE md_parent_contexts (child TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY (child, parent));
    `,
  },
];
