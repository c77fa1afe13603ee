import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MetadataStore } from "@mlstack/metadata";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteMetadataStore } from "../../src/metadata/index.js";

const writer = fileURLToPath(new URL("./batch-writer.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mlstack-metadata-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startWriter(filename: string, runId: string, count: number, offset: number) {
  const child = spawn(
    process.execPath,
    ["--conditions=@mlstack/source", "--import", "tsx", writer, filename, runId, String(count), String(offset)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const batches = () => out.split("\n").filter((l) => l.startsWith("batch ")).length;
  return { child, exited, batches, stderr: () => err };
}

async function newRun(filename: string): Promise<string> {
  const store = createSqliteMetadataStore({ filename });
  const e = await store.createExperiment({ name: "crash" });
  const run = await store.createRun({ experimentId: e.experimentId });
  await store.stop();
  return run.runId;
}

// For each batch index: how many of its 1000 points, and whether its param and tag are there.
async function batchesOf(
  store: MetadataStore,
  runId: string,
): Promise<Map<number, { points: number; param: boolean; tag: boolean }>> {
  const run = await store.getRun(runId);
  const seen = new Map<number, { points: number; param: boolean; tag: boolean }>();
  const entry = (i: number) => {
    let e = seen.get(i);
    if (!e) seen.set(i, (e = { points: 0, param: false, tag: false }));
    return e;
  };
  for (let k = 0; k < 100; k++) {
    for (const p of await store.getMetricHistory(runId, `m${k}`)) entry(Math.floor(p.step / 10)).points++;
  }
  for (const key of Object.keys(run.params)) entry(Number(key.slice(1))).param = true;
  for (const key of Object.keys(run.tags)) entry(Number(key.slice(1))).tag = true;
  return seen;
}

describe("SQLite metadata under crashes and concurrent writers", () => {
  it("leaves every batch whole or absent after SIGKILL mid-stream", { timeout: 60_000 }, async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const filename = join(dir, `kill-${attempt}.db`);
      const runId = await newRun(filename);
      const w = startWriter(filename, runId, 0, 0);
      const killAfter = 3 + attempt * 4;
      while (w.batches() < killAfter) {
        if (w.child.exitCode !== null) throw new Error(`writer exited early: ${w.stderr()}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      // A short, varying pause, so the kill lands at different points of a transaction.
      await new Promise((r) => setTimeout(r, attempt * 3));
      w.child.kill("SIGKILL");
      await w.exited;
      const store = createSqliteMetadataStore({ filename });
      const batches = await batchesOf(store, runId);
      await store.stop();
      expect(batches.size).toBeGreaterThanOrEqual(killAfter);
      for (const [i, b] of batches) expect(b, `batch ${i}`).toEqual({ points: 1000, param: true, tag: true });
    }
  });

  it("lets two processes write one file at once, both succeeding", { timeout: 60_000 }, async () => {
    const filename = join(dir, "two.db");
    const runA = await newRun(filename);
    const store = createSqliteMetadataStore({ filename });
    const e = await store.createExperiment({ name: "second" });
    const runB = (await store.createRun({ experimentId: e.experimentId })).runId;
    const a = startWriter(filename, runA, 15, 0);
    const b = startWriter(filename, runB, 15, 100);
    // This process writes too, while both children run.
    for (let i = 0; i < 15; i++) await store.logMetric(runA, "parent", i, { step: i });
    expect([await a.exited, await b.exited], `${a.stderr()}${b.stderr()}`).toEqual([0, 0]);
    const [batchesA, batchesB] = [await batchesOf(store, runA), await batchesOf(store, runB)];
    expect([...batchesA.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect([...batchesB.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => 100 + i));
    for (const b of [...batchesA.values(), ...batchesB.values()])
      expect(b).toEqual({ points: 1000, param: true, tag: true });
    expect(await store.getMetricHistory(runA, "parent")).toHaveLength(15);
    await store.stop();
  });
});
