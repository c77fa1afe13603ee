// MetadataStore on SQLite: logBatch throughput against a bare better-sqlite3 insert loop, searchRuns over
// 30,000 runs and a 10-hop lineage walk in a 100,000-node graph, each against hand-written SQL on the same file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Ref } from "@mlstack/core";
import { createRandom } from "@mlstack/core";
import type { LogBatchInput, MetadataStore, SearchRunsInput } from "@mlstack/metadata";
import { createSqliteMetadataStore, openDatabase } from "@mlstack/sqlite";
import type { BenchRow } from "./harness.js";
import { compareMs, median } from "./harness.js";

const BATCHES = 200;
const BATCH = 1000;

function batchOf(b: number): LogBatchInput {
  const metrics = [];
  for (let k = 0; k < 100; k++)
    for (let s = 0; s < 10; s++)
      metrics.push({ key: `metric_${k}`, value: b + k / 100 + s, step: b * 10 + s, timestamp: 1_700_000_000_000 + b });
  return { metrics };
}

async function logBatchBench(dir: string): Promise<BenchRow> {
  const store = createSqliteMetadataStore({ filename: join(dir, "log.db") });
  const e = await store.createExperiment({ name: "bench" });
  const batches = Array.from({ length: BATCHES }, (_, b) => batchOf(b));
  const raw = openDatabase(join(dir, "raw.db"));
  raw.exec(
    "CREATE TABLE metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL, timestamp INTEGER NOT NULL, step INTEGER NOT NULL)",
  );
  const insert = raw.prepare("INSERT INTO metrics (run_id, key, value, timestamp, step) VALUES (?, ?, ?, ?, ?)");
  const { candidate, baseline } = await compareMs(
    async () => {
      const run = await store.createRun({ experimentId: e.experimentId });
      for (const batch of batches) await store.logBatch(run.runId, batch);
    },
    () => {
      const runId = `run-${performance.now()}`;
      raw.transaction(() => {
        for (const batch of batches)
          for (const m of batch.metrics ?? []) insert.run(runId, m.key, m.value, m.timestamp, m.step);
      })();
    },
    5,
  );
  await store.stop();
  raw.close();
  const points = BATCHES * BATCH;
  const ours = points / (candidate / 1000);
  const bare = points / (baseline / 1000);
  return {
    benchmark: "logBatch, 1000-metric batches, SQLite file (one transaction per batch)",
    value: ours,
    unit: "points/s",
    baseline: "bare better-sqlite3 prepared-insert loop, same rows, one transaction",
    baselineValue: bare,
    ratio: ours / bare,
    target: "ratio >= 0.5",
    met: ours / bare >= 0.5,
    note: "candidate validates each batch (zod), enforces param/latest-metric rules, de-duplicates points by primary key",
  };
}

async function seedRuns(store: MetadataStore, experimentId: string, n: number): Promise<number> {
  const random = createRandom(7);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const run = await store.createRun({ experimentId, startTime: 1_700_000_000_000 + i });
    await store.logBatch(run.runId, {
      metrics: Array.from({ length: 20 }, (_, k) => ({ key: `m${k}`, value: random.next(), timestamp: 1 })),
      params: Array.from({ length: 10 }, (_, k) => ({ key: `p${k}`, value: String(random.int(0, 9)) })),
    });
  }
  return performance.now() - t0;
}

async function searchBench(dir: string): Promise<BenchRow> {
  const filename = join(dir, "search.db");
  const store = createSqliteMetadataStore({ filename });
  const e = await store.createExperiment({ name: "search" });
  const seedMs = await seedRuns(store, e.experimentId, 30_000);
  const query: SearchRunsInput = {
    experimentIds: [e.experimentId],
    filter: {
      kind: "and",
      filters: [
        { kind: "compare", field: { type: "metric", key: "m3" }, op: ">", value: 0.5 },
        { kind: "compare", field: { type: "param", key: "p2" }, op: "=", value: "4" },
      ],
    },
    orderBy: [{ field: { type: "metric", key: "m7" }, direction: "desc" }],
    pageSize: 100,
  };
  const raw = openDatabase(filename, { readonly: true });
  // The same page by hand: joins instead of the engine's general filter compilation, no run hydration.
  const sql = raw.prepare(
    `SELECT r.run_id FROM md_runs r
       JOIN md_latest_metrics f ON f.run_id = r.run_id AND f.key = 'm3' AND f.value > 0.5
       JOIN md_params p ON p.run_id = r.run_id AND p.key = 'p2' AND p.value = '4'
       LEFT JOIN md_latest_metrics o ON o.run_id = r.run_id AND o.key = 'm7'
     WHERE r.experiment_id = ? AND r.lifecycle = 'active'
     ORDER BY o.value DESC, r.start_time DESC, r.run_id LIMIT 100`,
  );
  const ours: number[] = [];
  const bare: number[] = [];
  let expected: string[] = [];
  for (let i = 0; i < 21; i++) {
    let t = performance.now();
    const page = await store.searchRuns(query);
    ours.push(performance.now() - t);
    t = performance.now();
    expected = (sql.all(e.experimentId) as { run_id: string }[]).map((r) => r.run_id);
    bare.push(performance.now() - t);
    if (page.items.map((r) => r.runId).join() !== expected.join())
      throw new Error("searchRuns disagrees with the hand-written query");
  }
  raw.close();
  await store.stop();
  const [value, baselineValue] = [median(ours.slice(1)), median(bare.slice(1))];
  return {
    benchmark: "searchRuns, 30,000 runs × (20 metrics, 10 params), metric + param filter, order by metric, page of 100",
    value,
    unit: "ms (median)",
    baseline: "hand-written SQL for the same page, run ids only",
    baselineValue,
    ratio: value / baselineValue,
    target: "median < 100 ms",
    met: value < 100,
    note: `seeding 30,000 runs × 30 values through createRun + logBatch took ${(seedMs / 1000).toFixed(1)} s; ${expected.length} hits on the page`,
  };
}

async function lineageBench(dir: string): Promise<BenchRow> {
  const filename = join(dir, "lineage.db");
  const store = createSqliteMetadataStore({ filename });
  const random = createRandom(11);
  // 1,000 pipelines of 50 steps: each step consumes its chain's previous artifact and one artifact of a
  // random other chain, and outputs the next: 50,000 executions + 50,000 artifacts = 100,000 nodes.
  const CHAINS = 1000;
  const STEPS = 50;
  const art = (c: number, s: number): Ref => ({ kind: "data-commit", repo: `repo-${c}`, commit: `c${s}` });
  for (let c = 0; c < CHAINS; c++) {
    const artifacts = [];
    const executions = [];
    const events = [];
    for (let s = 0; s < STEPS; s++) {
      artifacts.push({ ref: art(c, s) });
      if (s === 0) continue;
      const id = `step-${c}-${s}`;
      executions.push({ id, type: "pipeline-step" });
      events.push({ artifact: art(c, s - 1), execution: id, type: "input" as const });
      events.push({ artifact: art(c, s), execution: id, type: "output" as const });
    }
    await store.putLineage({ artifacts, executions, events });
  }
  // Cross-chain inputs, added once every chain exists.
  for (let c = 0; c < CHAINS; c++) {
    const events = [];
    for (let s = 1; s < STEPS; s++) {
      events.push({
        artifact: art((c + 1 + random.int(0, CHAINS - 2)) % CHAINS, random.int(0, s - 1)),
        execution: `step-${c}-${s}`,
        type: "input" as const,
      });
    }
    await store.putLineage({ events });
  }
  const e = await store.createExperiment({ name: "lineage" });
  const run = await store.createRun({ experimentId: e.experimentId });
  await store.logInputs(run.runId, [art(0, STEPS - 1)]);
  await store.createRegisteredModel("m");
  const v = await store.createModelVersion("m", {
    source: { kind: "artifact", uri: "mem://m", digest: `sha256:${"0".repeat(64)}`, size: 0 },
    runId: run.runId,
  });
  const start: Ref = { kind: "model-version", model: v.model, version: v.version };
  const raw = openDatabase(filename, { readonly: true });
  const cte = raw.prepare(
    `WITH RECURSIVE walk(node, is_artifact, depth) AS (
       SELECT ?, 1, 0
       UNION
       SELECT e.execution, 0, w.depth + 1 FROM walk w JOIN md_events e ON e.artifact = w.node AND e.type = 'output'
         WHERE w.is_artifact = 1 AND w.depth < 10
       UNION
       SELECT e.artifact, 1, w.depth + 1 FROM walk w JOIN md_events e ON e.execution = w.node AND e.type = 'input'
         WHERE w.is_artifact = 0 AND w.depth < 10)
     SELECT count(DISTINCT node) AS n FROM walk`,
  );
  let nodes = 0;
  const { candidate, baseline } = await compareMs(
    async () => {
      const g = await store.lineage(start, { direction: "upstream", maxHops: 10 });
      nodes = g.artifacts.length + g.executions.length;
    },
    () => cte.get("model-version:m/1"),
    21,
  );
  const cteNodes = (cte.get("model-version:m/1") as { n: number }).n;
  if (cteNodes !== nodes) throw new Error(`lineage found ${nodes} nodes, the recursive CTE ${cteNodes}`);
  raw.close();
  await store.stop();
  return {
    benchmark: "lineage upstream from a model version, 10 hops, 100,000-node graph",
    value: candidate,
    unit: "ms (median)",
    baseline: "recursive CTE over md_events counting the same nodes",
    baselineValue: baseline,
    ratio: candidate / baseline,
    target: "< 20 ms",
    met: candidate < 20,
    note: `${nodes} nodes reached; the candidate also loads nodes, events and contexts`,
  };
}

export default async function metadataBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "mlstack-metadata-bench-"));
  try {
    return [await logBatchBench(dir), await searchBench(dir), await lineageBench(dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
