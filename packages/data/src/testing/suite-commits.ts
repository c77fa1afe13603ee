import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { collect, expectCode, type SuiteContext, text, withEngine } from "./context.js";

async function* blocks(parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

/** The commit rules, reads, listing, paths and revisions. */
export function commitSuite(ctx: SuiteContext): void {
  describe(`DataEngine conformance (${ctx.name}): commits and reads`, () => {
    it("commits bytes, strings and streams, and reads them back with digests and metadata", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        const c = await engine.commit(
          "r",
          "main",
          async (tx) => {
            await tx.put("bytes.bin", new Uint8Array([1, 2, 3]));
            await tx.put("dir/text.txt", "héllo", { metadata: { lang: "fr" } });
            await tx.put("dir/sub/stream.txt", blocks(["ab", "cd", "ef"]));
            await tx.put("empty", new Uint8Array(0));
          },
          { message: "first", author: "ada", metadata: { ticket: 7 } },
        );
        expect(c.ref).toEqual({ kind: "data-commit", repo: "r", commit: c.id });
        expect(c.message).toBe("first");
        expect(c.author).toBe("ada");
        expect(c.metadata).toEqual({ ticket: 7 });
        expect(c.origin).toBe("user");
        expect(c.parents).toEqual([(await engine.getRepo("r")).rootCommit]);
        expect(await engine.readBytes("r", "main", "bytes.bin")).toEqual(new Uint8Array([1, 2, 3]));
        expect(text(await engine.readBytes("r", c.id, "dir/text.txt"))).toBe("héllo");
        expect(text(await engine.readBytes("r", "main", "dir/sub/stream.txt"))).toBe("abcdef");
        expect((await engine.readBytes("r", "main", "empty")).length).toBe(0);
        const st = await engine.stat("r", "main", "dir/text.txt");
        expect(st).toEqual({
          path: "dir/text.txt",
          size: 6,
          digest: `sha256:${createHash("sha256").update("héllo").digest("hex")}`,
          metadata: { lang: "fr" },
        });
        expect(await engine.fileRef("r", "main", "bytes.bin")).toEqual({
          kind: "data-file",
          repo: "r",
          commit: c.id,
          path: "bytes.bin",
          digest: "sha256:039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81",
        });
        await expectCode(engine.stat("r", "main", "nope"), "NOT_FOUND");
        await expectCode(engine.stat("r", "main", "dir"), "NOT_FOUND");
      }));

    it("lists by prefix and glob, walks in order, resolves ancestors", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await engine.commit(
          "r",
          "main",
          async (tx) => {
            for (const p of ["a/x.csv", "a/y.json", "a/b/z.csv", "c.csv", "d/e/f.txt"]) await tx.put(p, p);
          },
          { message: "m" },
        );
        const paths = (files: { path: string }[]) => files.map((f) => f.path).sort();
        expect(paths(await engine.list("r", "main"))).toEqual([
          "a/b/z.csv",
          "a/x.csv",
          "a/y.json",
          "c.csv",
          "d/e/f.txt",
        ]);
        expect(paths(await engine.list("r", "main", { prefix: "a" }))).toEqual(["a/b/z.csv", "a/x.csv", "a/y.json"]);
        expect(paths(await engine.list("r", "main", { prefix: "a/" }))).toEqual(["a/b/z.csv", "a/x.csv", "a/y.json"]);
        expect(paths(await engine.list("r", "main", { glob: "**/*.csv" }))).toEqual(["a/b/z.csv", "a/x.csv", "c.csv"]);
        expect(paths(await engine.list("r", "main", { glob: "a/*.csv" }))).toEqual(["a/x.csv"]);
        expect(paths(await engine.list("r", "main", { prefix: "zzz" }))).toEqual([]);
        expect((await collect(engine.walk("r", "main", "d"))).map((f) => f.path)).toEqual(["d/e/f.txt"]);
        await engine.commit("r", "main", (tx) => tx.delete("c.csv"), { message: "m2" });
        expect(paths(await engine.list("r", "main~1", { glob: "*.csv" }))).toEqual(["c.csv"]);
        expect(paths(await engine.list("r", "main", { glob: "*.csv" }))).toEqual([]);
        await expectCode(engine.list("r", "main~9"), "NOT_FOUND");
        const log = await engine.log("r", "main");
        expect(log.map((c) => c.message)).toEqual(["m2", "m", "create repository r"]);
        expect((await engine.log("r", "main", { limit: 1 })).length).toBe(1);
        expect((await engine.getCommit("r", "main~1")).id).toBe(log[1]?.id);
      }));

    it("deletes files and whole directories, copies without rewriting, and drops empty directories", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await engine.commit(
          "r",
          "main",
          async (tx) => {
            await tx.put("a/1", "one");
            await tx.put("a/2", "two");
            await tx.put("b/3", "three");
          },
          { message: "m" },
        );
        await engine.commit(
          "r",
          "main",
          async (tx) => {
            await tx.copy("a", "c");
            await tx.copy("b/3", "d/3");
            await tx.delete("a");
            await tx.delete("b/3");
            expect(await tx.stat("a/1")).toBeUndefined();
            expect((await tx.stat("c/1"))?.size).toBe(3);
            await expectCode(tx.delete("nothing"), "NOT_FOUND");
          },
          { message: "moves" },
        );
        expect((await engine.list("r", "main")).map((f) => f.path).sort()).toEqual(["c/1", "c/2", "d/3"]);
        expect(text(await engine.readBytes("r", "main", "c/2"))).toBe("two");
        const diff = await engine.diff("r", "main~1", "main");
        expect(diff.map((d) => `${d.change} ${d.path}`).sort()).toEqual([
          "added c/1",
          "added c/2",
          "added d/3",
          "deleted a/1",
          "deleted a/2",
          "deleted b/3",
        ]);
      }));

    it("refuses bad paths with INVALID_ARGUMENT and commits nothing", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        for (const bad of ["../x", "a/../b", "/abs", "a//b", "a/./b", "nul\0byte", "", "back\\slash"]) {
          await expectCode(
            engine.commit("r", "main", (tx) => tx.put(bad, "x").then(() => {}), { message: "m" }),
            "INVALID_ARGUMENT",
          );
        }
        expect(await engine.list("r", "main")).toEqual([]);
        await expectCode(engine.stat("r", "main", "../etc/passwd"), "INVALID_ARGUMENT");
        await expectCode(
          engine.commit("r", "main", () => {}, { message: "" }),
          "INVALID_ARGUMENT",
        );
      }));

    it("refuses a file under a file and a file over a directory", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await engine.commit("r", "main", (tx) => tx.put("a/b", "x").then(() => {}), { message: "m" });
        await expectCode(
          engine.commit("r", "main", (tx) => tx.put("a/b/c", "y").then(() => {}), { message: "m" }),
          "FAILED_PRECONDITION",
        );
        await expectCode(
          engine.commit("r", "main", (tx) => tx.put("a", "y").then(() => {}), { message: "m" }),
          "FAILED_PRECONDITION",
        );
      }));

    it("makes an empty commit FAILED_PRECONDITION unless allowEmpty", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await expectCode(
          engine.commit("r", "main", () => {}, { message: "nothing" }),
          "FAILED_PRECONDITION",
        );
        await engine.commit("r", "main", (tx) => tx.put("a", "1").then(() => {}), { message: "m" });
        // Writing the same bytes again changes nothing either.
        await expectCode(
          engine.commit("r", "main", (tx) => tx.put("a", "1").then(() => {}), { message: "m" }),
          "FAILED_PRECONDITION",
        );
        const empty = await engine.commit("r", "main", () => {}, { message: "marker", allowEmpty: true });
        expect(empty.tree).toBe((await engine.getCommit("r", "main~1")).tree);
      }));

    it("gives equal trees equal roots, and commit ids that hash the content", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await engine.createBranch("r", "other", "main");
        const write = async (tx: { put(p: string, d: string): Promise<unknown> }) => {
          await tx.put("x/1", "a");
          await tx.put("y", "b");
        };
        const a = await engine.commit("r", "main", write, { message: "same" });
        const b = await engine.commit(
          "r",
          "other",
          async (tx) => {
            await tx.put("y", "b");
            await tx.put("x/1", "a");
          },
          { message: "same" },
        );
        expect(a.tree).toBe(b.tree);
        expect(a.id).toMatch(/^[0-9a-f]{64}$/);
      }));

    it("leaves nothing visible when the callback throws, and frees the branch", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        const before = await engine.getCommit("r", "main");
        await expectCode(
          engine.commit(
            "r",
            "main",
            async (tx) => {
              await tx.put("a", "1");
              throw new Error("boom");
            },
            { message: "m" },
          ),
          "CANCELLED",
        );
        expect((await engine.getCommit("r", "main")).id).toBe(before.id);
        expect(await engine.list("r", "main")).toEqual([]);
        await engine.commit("r", "main", (tx) => tx.put("b", "2").then(() => {}), { message: "ok" });
      }));

    it("allows one open commit per branch, and CONFLICT for a stale expectedHead", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        const root = (await engine.getRepo("r")).rootCommit;
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const first = engine.commit(
          "r",
          "main",
          async (tx) => {
            await tx.put("a", "1");
            await gate;
          },
          { message: "first" },
        );
        await new Promise((r) => setTimeout(r, 10));
        await expectCode(
          engine.commit("r", "main", (tx) => tx.put("b", "2").then(() => {}), { message: "second" }),
          "FAILED_PRECONDITION",
        );
        release();
        const c = await first;
        const err = await expectCode(
          engine.commit("r", "main", (tx) => tx.put("c", "3").then(() => {}), { message: "stale", expectedHead: root }),
          "CONFLICT",
        );
        expect(err.details.head).toBe(c.id);
        await engine.commit("r", "main", (tx) => tx.put("c", "3").then(() => {}), {
          message: "fresh",
          expectedHead: c.id,
        });
      }));

    it("records provenance and rejects a transaction used after its commit", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("raw");
        await engine.createRepo("clean");
        const raw = await engine.commit("raw", "main", (tx) => tx.put("a", "1").then(() => {}), { message: "m" });
        let kept: { put(p: string, d: string): Promise<unknown> } | undefined;
        const clean = await engine.commit(
          "clean",
          "main",
          async (tx) => {
            kept = tx;
            await tx.put("a", "1!");
          },
          { message: "derived", provenance: [raw.ref] },
        );
        expect(clean.provenance).toEqual([raw.ref]);
        expect((await engine.getCommit("clean", "main")).provenance).toEqual([raw.ref]);
        await expectCode(kept!.put("b", "x"), "FAILED_PRECONDITION");
      }));

    it("streams big files in verified chunks and keeps bytes exact", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r", { chunking: { min: 256, avg: 1024, max: 4096 } });
        const big = new Uint8Array(300_000);
        let x = 12345;
        for (let i = 0; i < big.length; i++) big[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
        await engine.commit("r", "main", (tx) => tx.put("big", big).then(() => {}), { message: "m" });
        const parts = await collect(engine.read("r", "main", "big"));
        expect(parts.length).toBeGreaterThan(10);
        expect(Buffer.concat(parts).equals(Buffer.from(big))).toBe(true);
      }));
  });
}
