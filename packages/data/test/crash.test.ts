import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRandom } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { createFilesystemDataEngine } from "../src/index.js";

const WORKER = fileURLToPath(new URL("./helpers/worker.ts", import.meta.url));

function startWorker(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  next: (p: string) => Promise<string>;
} {
  const child = spawn(process.execPath, ["--conditions=@mlstack/source", "--import", "tsx", WORKER, ...args]);
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (l: string) => void }> = [];
  let buffer = "";
  let errors = "";
  child.stderr.on("data", (data: Buffer) => {
    errors += data.toString();
  });
  child.stdout.on("data", (data: Buffer) => {
    buffer += data.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() as string;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((x) => line.startsWith(x.prefix))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const next = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const found = lines.find((l) => l.startsWith(prefix));
      if (found) return resolve(found);
      waiters.push({ prefix, resolve });
      child.once("close", (code) => reject(new Error(`worker exited (${code}) before "${prefix}": ${errors}`)));
    });
  return { child, lines, next };
}

// "close" comes after the child's output has been read to the end, unlike "exit".
const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => {
    if (child.stdout.closed && (child.exitCode !== null || child.signalCode !== null)) resolve();
    else child.once("close", () => resolve());
  });

describe("filesystem storage under SIGKILL", () => {
  it("leaves the repo readable at its previous (or new) head with fsck clean, over many random kills", async () => {
    const root = mkdtempSync(join(tmpdir(), "mlstack-data-crash-"));
    try {
      const setup = createFilesystemDataEngine({ root });
      await setup.createRepo("r", { chunking: { min: 4096, avg: 16384, max: 65536 } });
      await setup.stop();
      const random = createRandom(4);
      const trials = 12;
      const committed: string[] = [];
      for (let t = 0; t < trials; t++) {
        const before = createFilesystemDataEngine({ root });
        const previous = (await before.getCommit("r", "main")).id;
        await before.stop();
        const w = startWorker(["crash", root]);
        // After the first commit the worker is warm and commits back to back: the kill lands inside one.
        await w.next("committed ");
        await new Promise((r) => setTimeout(r, random.int(0, 80)));
        w.child.kill("SIGKILL");
        await exited(w.child);
        committed.push(...w.lines.filter((l) => l.startsWith("committed ")).map((l) => l.slice(10)));

        const engine = createFilesystemDataEngine({ root });
        const head = await engine.getCommit("r", "main");
        // The head is the last acknowledged commit, or one more that completed as the kill landed.
        const acknowledged = committed.length > 0 ? committed[committed.length - 1] : previous;
        expect(head.id === acknowledged || head.parents[0] === acknowledged, `head ${head.id}`).toBe(true);
        for (const file of await engine.list("r", "main")) {
          expect((await engine.readBytes("r", "main", file.path)).length).toBe(file.size);
        }
        const report = await engine.fsck();
        expect(report.problems).toEqual([]);
        await engine.stop();
      }
      expect(committed.length).toBeGreaterThanOrEqual(trials);
      // Garbage left by the killed commits is collectable and the repo stays whole.
      const engine = createFilesystemDataEngine({ root });
      await engine.gc();
      expect((await engine.fsck()).ok).toBe(true);
      await engine.stop();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("filesystem storage with two processes", () => {
  it("lets exactly one of two processes committing to one branch win; the other gets CONFLICT", async () => {
    const root = mkdtempSync(join(tmpdir(), "mlstack-data-race-"));
    try {
      const engine = createFilesystemDataEngine({ root });
      await engine.createRepo("r");
      for (let round = 0; round < 2; round++) {
        const head = (await engine.getCommit("r", "main")).id;
        const workers = [startWorker(["race", root, head]), startWorker(["race", root, head])];
        await Promise.all(workers.map((w) => w.next("ready")));
        for (const w of workers) w.child.stdin.write("go\n");
        await Promise.all(workers.map((w) => exited(w.child)));
        const results = workers.map((w) => w.lines.find((l) => l.startsWith("won ") || l.startsWith("lost ")) ?? "");
        const won = results.filter((r) => r.startsWith("won "));
        const lost = results.filter((r) => r.startsWith("lost "));
        expect(won.length).toBe(1);
        expect(lost).toEqual(["lost CONFLICT"]);
        const now = await engine.getCommit("r", "main");
        expect(now.id).toBe(won[0]?.slice(4));
        expect(now.parents).toEqual([head]);
        expect((await engine.diff("r", head, now.id)).length).toBe(1);
      }
      expect((await engine.fsck()).ok).toBe(true);
      await engine.stop();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
