import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProgressEvent } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { expectCode, type SuiteContext, text, withEngine } from "./context.js";

/** Committing local folders. */
export function directorySuite(ctx: SuiteContext): void {
  describe.runIf(ctx.capabilities.localDirectories)(`DataEngine conformance (${ctx.name}): local folders`, () => {
    it("commits a folder, then only the changes, deleting files gone from it; emits progress", () =>
      withEngine(ctx, async (engine) => {
        const dir = await mkdtemp(join(tmpdir(), "mlstack-data-dir-"));
        try {
          await mkdir(join(dir, "sub", "deep"), { recursive: true });
          for (let i = 0; i < 30; i++) await writeFile(join(dir, "sub", `f${i}.txt`), `file ${i}`);
          await writeFile(join(dir, "sub", "deep", "x.bin"), new Uint8Array(70_000).fill(7));
          await writeFile(join(dir, "top.txt"), "top");
          await engine.createRepo("r");
          const events: ProgressEvent[] = [];
          engine.on("progress", (e) => events.push(e));
          const first = await engine.addDirectory("r", "main", dir, { message: "import", prefix: "data" });
          expect(first).toMatchObject({ files: 32, added: 32, modified: 0, deleted: 0 });
          expect(first.hashed + first.reused).toBe(32);
          expect(events.at(-1)).toMatchObject({ done: 32, total: 32, unit: "files" });
          expect(text(await engine.readBytes("r", "main", "data/sub/f3.txt"))).toBe("file 3");
          expect((await engine.stat("r", "main", "data/sub/deep/x.bin")).size).toBe(70_000);

          await writeFile(join(dir, "sub", "f3.txt"), "changed!");
          await rm(join(dir, "top.txt"));
          await writeFile(join(dir, "new.txt"), "new");
          const second = await engine.addDirectory("r", "main", dir, { prefix: "data" });
          expect(second).toMatchObject({ files: 32, added: 1, modified: 1, deleted: 1 });
          expect(text(await engine.readBytes("r", "main", "data/sub/f3.txt"))).toBe("changed!");
          expect((await engine.diff("r", "main~1", "main")).map((d) => `${d.change} ${d.path}`).sort()).toEqual([
            "added data/new.txt",
            "deleted data/top.txt",
            "modified data/sub/f3.txt",
          ]);
          await expectCode(engine.addDirectory("r", "main", dir, { prefix: "data" }), "FAILED_PRECONDITION");
          await expectCode(engine.addDirectory("r", "main", join(dir, "missing")), "NOT_FOUND");
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }));
  });
}
