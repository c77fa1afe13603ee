// MetadataStore on PostgreSQL: logBatch of 1000-metric batches (one transaction each) against a bare
// `pg` multi-row INSERT of the same rows into a table of the same shape and primary key, one
// transaction per batch too. The server is read from MLSTACK_TEST_POSTGRES_URL (default the local test
// database); the benchmark's schema is dropped at the end.
import { randomBytes } from "node:crypto";
import type { LogBatchInput } from "@mlstack/metadata";
import { createPool, createPostgresMetadataStore, quoteIdent } from "@mlstack/postgres";
import type { BenchRow } from "./harness.js";
import { compareMs } from "./harness.js";

const url = process.env.MLSTACK_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BATCHES = 50;
const BATCH = 1000;

// 100 keys × 10 steps a batch, as a training loop logs them.
function batchOf(b: number): LogBatchInput {
  const metrics = [];
  for (let k = 0; k < 100; k++)
    for (let s = 0; s < 10; s++)
      metrics.push({ key: `metric_${k}`, value: b + k / 100 + s, step: b * 10 + s, timestamp: 1_700_000_000_000 + b });
  return { metrics };
}

export default async function postgresMetadataBench(): Promise<BenchRow[]> {
  const schema = `mlstack_bench_${randomBytes(4).toString("hex")}`;
  const pool = createPool(url, 4);
  const store = await createPostgresMetadataStore({ pool, schema });
  const table = `${quoteIdent(schema)}.bare_metrics`;
  try {
    await pool.query(
      `CREATE TABLE ${table} (run_id TEXT NOT NULL, key TEXT NOT NULL, step BIGINT NOT NULL, timestamp BIGINT NOT NULL, ` +
        "value DOUBLE PRECISION NOT NULL, PRIMARY KEY (run_id, key, step, timestamp, value))",
    );
    const insert = `INSERT INTO ${table} (run_id, key, step, timestamp, value) VALUES ${Array.from(
      { length: BATCH },
      (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`,
    ).join(", ")}`;
    const batches = Array.from({ length: BATCHES }, (_, b) => batchOf(b));
    const e = await store.createExperiment({ name: "bench" });
    let bareRun = 0;
    const { candidate, baseline } = await compareMs(
      async () => {
        const run = await store.createRun({ experimentId: e.experimentId });
        for (const batch of batches) await store.logBatch(run.runId, batch);
      },
      async () => {
        const runId = `bare-${bareRun++}`;
        const client = await pool.connect();
        try {
          for (const batch of batches) {
            await client.query("BEGIN");
            await client.query(
              insert,
              (batch.metrics ?? []).flatMap((m) => [runId, m.key, m.step, m.timestamp, m.value]),
            );
            await client.query("COMMIT");
          }
        } finally {
          client.release();
        }
      },
      3,
    );
    const points = BATCHES * BATCH;
    const ours = points / (candidate / 1000);
    const bare = points / (baseline / 1000);
    return [
      {
        benchmark: "logBatch, 1000-metric batches, PostgreSQL (one SERIALIZABLE transaction per batch)",
        value: ours,
        unit: "points/s",
        baseline: "bare pg multi-row INSERT of the same rows (same primary key), one transaction per batch",
        baselineValue: bare,
        ratio: ours / bare,
        target: "ratio >= 0.4",
        met: ours / bare >= 0.4,
        note: "candidate validates each batch (zod), checks the run, reads and upserts the latest values, de-duplicates history",
      },
    ];
  } finally {
    await store.stop();
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await pool.end();
  }
}
