import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMlstackError } from "@mlstack/core";
import { afterAll, describe, expect, it } from "vitest";
import {
  createDataEngine,
  createFilesystemDataEngine,
  type DataEngine,
  FilesystemRefStorage,
  MemoryDataStorage,
} from "../src/index.js";

const roots: string[] = [];
const tempRoot = () => {
  const root = mkdtempSync(join(tmpdir(), "mlstack-data-test-"));
  roots.push(root);
  return root;
};
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (error) {
    return isMlstackError(error) ? error.code : `not an MlstackError: ${String(error)}`;
  }
}

async function seed(engine: DataEngine): Promise<void> {
  await engine.createRepo("r");
  await engine.commit(
    "r",
    "main",
    async (tx) => {
      await tx.put("small.txt", "hello world");
      await tx.put(
        "big.bin",
        new Uint8Array(400_000).map((_, i) => (i * 2654435761) >>> 24),
      );
    },
    { message: "seed" },
  );
}

describe("corruption is detected, never returned", () => {
  it("memory: a damaged object is DATA_CORRUPTION on read and a problem in fsck", async () => {
    const storage = new MemoryDataStorage();
    const engine = createDataEngine({ storage });
    await seed(engine);
    const digest = (await engine.stat("r", "main", "small.txt")).digest.slice("sha256:".length);
    storage.objects.corruptForTesting(digest, new TextEncoder().encode("hello w0rld"));
    expect(await codeOf(engine.readBytes("r", "main", "small.txt"))).toBe("DATA_CORRUPTION");
    const report = await engine.fsck();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ object: digest, problem: "corrupt", reachedFrom: "heads/r/main" }]);
  });

  it("filesystem: flipped bytes in a pack are DATA_CORRUPTION, before any wrong byte is yielded", async () => {
    const root = tempRoot();
    const engine = createFilesystemDataEngine({ root });
    await seed(engine);
    await engine.stop();
    const packs = join(root, "objects", "packs");
    for (const name of readdirSync(packs).filter((n) => n.endsWith(".pack"))) {
      const bytes = readFileSync(join(packs, name));
      if (bytes.length < 100_000) continue;
      const at = bytes.length >> 1;
      bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
      writeFileSync(join(packs, name), bytes);
    }
    const reopened = createFilesystemDataEngine({ root });
    const received: number[] = [];
    const read = (async () => {
      for await (const part of reopened.read("r", "main", "big.bin")) received.push(part.length);
    })();
    expect(await codeOf(read)).toBe("DATA_CORRUPTION");
    expect(received.reduce((a, b) => a + b, 0)).toBeLessThan(400_000);
    expect((await reopened.fsck()).problems.map((p) => p.problem)).toContain("corrupt");
    expect(await reopened.readBytes("r", "main", "small.txt")).toEqual(new TextEncoder().encode("hello world"));
    await reopened.stop();
  });
});

describe("filesystem storage across instances", () => {
  it("persists, and sees commits, branches and gc rewrites of another instance on the same folder", async () => {
    const root = tempRoot();
    const a = createFilesystemDataEngine({ root });
    await seed(a);
    const b = createFilesystemDataEngine({ root });
    expect((await b.getCommit("r", "main")).message).toBe("seed");
    await a.commit("r", "main", (tx) => tx.put("later.txt", "later").then(() => {}), { message: "later" });
    await a.createBranch("r", "dev", "main~1");
    expect((await b.getCommit("r", "main")).message).toBe("later");
    expect(new TextDecoder().decode(await b.readBytes("r", "main", "later.txt"))).toBe("later");
    expect((await b.listBranches("r")).map((x) => x.name)).toEqual(["dev", "main"]);
    await a.deleteBranch("r", "dev");
    // One pack holds "kept" and "junk"; main then refers to "kept" only, so gc rewrites that pack.
    await a.createBranch("r", "tmp", "main");
    await a.commit(
      "r",
      "tmp",
      async (tx) => {
        await tx.put("kept", "kept bytes");
        await tx.put("junk", "junk bytes");
      },
      { message: "both" },
    );
    expect(new TextDecoder().decode(await b.readBytes("r", "tmp", "kept"))).toBe("kept bytes");
    await a.commit("r", "main", (tx) => tx.put("kept", "kept bytes").then(() => {}), { message: "kept" });
    await a.deleteBranch("r", "tmp");
    expect((await a.gc()).deleted).toBeGreaterThan(0);
    // b still holds indexes from before a's gc rewrote the packs.
    expect(new TextDecoder().decode(await b.readBytes("r", "main", "kept"))).toBe("kept bytes");
    const c = createFilesystemDataEngine({ root });
    expect(new TextDecoder().decode(await c.readBytes("r", "main", "kept"))).toBe("kept bytes");
    expect((await c.readBytes("r", "main", "big.bin")).length).toBe(400_000);
    expect((await b.fsck()).ok).toBe(true);
    await c.stop();
    await a.stop();
    await b.stop();
  });

  it("lets exactly one of two engines moving a branch from the same head win", async () => {
    const root = tempRoot();
    const a = createFilesystemDataEngine({ root });
    const b = createFilesystemDataEngine({ root });
    await a.createRepo("r");
    for (let round = 0; round < 5; round++) {
      const head = (await a.getCommit("r", "main")).id;
      const results = await Promise.allSettled(
        [a, b].map((e, i) =>
          e.commit("r", "main", (tx) => tx.put(`f${round}-${i}`, "x").then(() => {}), {
            message: "race",
            expectedHead: head,
          }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
      const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(isMlstackError(rejected.reason, "CONFLICT")).toBe(true);
    }
    expect((await a.log("r", "main")).length).toBe(6);
    await a.stop();
    await b.stop();
  });

  it("ref storage: compare-and-swap, deletion tombstones, listing by prefix", async () => {
    const refs = new FilesystemRefStorage(tempRoot());
    expect(await refs.get("heads/x/main")).toBeUndefined();
    expect(await refs.cas("heads/x/main", "nope", "a")).toBe(false);
    expect(await refs.cas("heads/x/main", undefined, "a")).toBe(true);
    expect(await refs.cas("heads/x/main", undefined, "b")).toBe(false);
    expect(await refs.cas("heads/x/main", "a", "b")).toBe(true);
    expect(await refs.cas("heads/x/feature/..odd", undefined, "c")).toBe(true);
    expect(await refs.list("heads/x/")).toEqual([
      { name: "heads/x/feature/..odd", value: "c" },
      { name: "heads/x/main", value: "b" },
    ]);
    expect(await refs.cas("heads/x/main", "b", undefined)).toBe(true);
    expect(await refs.get("heads/x/main")).toBeUndefined();
    expect(await refs.cas("heads/x/main", undefined, "d")).toBe(true);
    expect(await refs.get("heads/x/main")).toBe("d");
  });
});

describe("engine behaviours that need a real clock or a signal", () => {
  it("re-reads only changed files of a folder thanks to the stat cache", async () => {
    const dir = tempRoot();
    await mkdir(join(dir, "a"));
    for (let i = 0; i < 50; i++) await writeFile(join(dir, "a", `${i}.txt`), `v1 ${i}`);
    // Files written within the racy window are hashed but not trusted from the cache.
    await new Promise((r) => setTimeout(r, 250));
    const engine = createFilesystemDataEngine({ root: tempRoot() });
    await engine.createRepo("r");
    expect((await engine.addDirectory("r", "main", dir)).hashed).toBe(50);
    await writeFile(join(dir, "a", "7.txt"), "v2 7");
    const second = await engine.addDirectory("r", "main", dir);
    expect(second).toMatchObject({ hashed: 1, reused: 49, modified: 1 });
    // A new engine on the same storage finds the cache there.
    await engine.stop();
    const again = createFilesystemDataEngine({ root: roots[roots.length - 1] as string });
    expect((await again.addDirectory("r", "main", dir, { allowEmpty: true })).reused).toBeGreaterThanOrEqual(49);
    await again.stop();
  });

  it("cancels a commit whose signal aborts, leaving the branch as it was", async () => {
    const engine = createDataEngine({ storage: new MemoryDataStorage() });
    await engine.createRepo("r");
    const before = (await engine.getCommit("r", "main")).id;
    const controller = new AbortController();
    const code = await codeOf(
      engine.commit(
        "r",
        "main",
        async (tx) => {
          await tx.put("a", "1");
          controller.abort();
        },
        { message: "m", signal: controller.signal },
      ),
    );
    expect(code).toBe("CANCELLED");
    expect((await engine.getCommit("r", "main")).id).toBe(before);
  });

  it("refuses calls after stop and reports health", async () => {
    const engine = createDataEngine({ storage: new MemoryDataStorage(), capabilities: { merge: false } });
    expect(engine.capabilities.merge).toBe(false);
    await engine.createRepo("r");
    expect(await codeOf(engine.merge("r", "main", "main"))).toBe("NOT_SUPPORTED");
    await engine.stop();
    expect((await engine.health()).status).toBe("down");
    expect(await codeOf(engine.listRepos())).toBe("FAILED_PRECONDITION");
    await engine.start();
    expect((await engine.listRepos()).length).toBe(1);
  });
});
