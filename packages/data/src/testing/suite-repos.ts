import { isMlstackError } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { expectCode, type SuiteContext, withEngine } from "./context.js";

/** Repos, branches, the brick contract and capabilities. */
export function repoSuite(ctx: SuiteContext): void {
  describe(`DataEngine conformance (${ctx.name}): repos and branches`, () => {
    it("is a v1 data brick with a frozen capability manifest", () =>
      withEngine(ctx, async (engine) => {
        expect(engine.kind).toBe("data");
        expect(engine.specificationVersion).toBe("v1");
        expect(Object.isFrozen(engine.capabilities)).toBe(true);
        for (const [cap, value] of Object.entries(ctx.capabilities)) expect(engine.capabilities[cap], cap).toBe(value);
        expect((await engine.health?.())?.status).toBe("ok");
      }));

    it("creates, lists and deletes repos; names are validated", () =>
      withEngine(ctx, async (engine) => {
        const repo = await engine.createRepo("images", { description: "cats" });
        expect(repo.name).toBe("images");
        expect(repo.chunking).toEqual({ min: 16384, avg: 65536, max: 262144 });
        await expectCode(engine.createRepo("images"), "ALREADY_EXISTS");
        await expectCode(engine.createRepo("../x"), "INVALID_ARGUMENT");
        await expectCode(engine.createRepo("x", { chunking: { min: 10, avg: 12, max: 11 } }), "INVALID_ARGUMENT");
        expect((await engine.listRepos()).map((r) => r.name)).toEqual(["images"]);
        expect((await engine.listBranches("images")).map((b) => b.name)).toEqual(["main"]);
        await engine.deleteRepo("images");
        await expectCode(engine.getRepo("images"), "NOT_FOUND");
        expect(await engine.listRepos()).toEqual([]);
      }));

    it("creates branches from any commit, lists and deletes them; main cannot be deleted", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        const c1 = await engine.commit("r", "main", (tx) => tx.put("a", "1").then(() => {}), { message: "one" });
        await engine.commit("r", "main", (tx) => tx.put("a", "2").then(() => {}), { message: "two" });
        const b = await engine.createBranch("r", "feature/x", c1.id);
        expect(b.head).toBe(c1.id);
        const old = await engine.createBranch("r", "old", "main~2");
        expect(old.head).toBe((await engine.getRepo("r")).rootCommit);
        await expectCode(engine.createBranch("r", "old", "main"), "ALREADY_EXISTS");
        await expectCode(engine.createBranch("r", "bad..name", "main"), "INVALID_ARGUMENT");
        await expectCode(engine.createBranch("r", "x", "nope"), "NOT_FOUND");
        expect((await engine.listBranches("r")).map((x) => x.name)).toEqual(["feature/x", "main", "old"]);
        await engine.deleteBranch("r", "old");
        await expectCode(engine.deleteBranch("r", "old"), "NOT_FOUND");
        await expectCode(engine.deleteBranch("r", "main"), "FAILED_PRECONDITION");
        expect(new TextDecoder().decode(await engine.readBytes("r", "feature/x", "a"))).toBe("1");
      }));

    it("throws NOT_SUPPORTED for every capability that is false", () =>
      withEngine(ctx, async (engine) => {
        const calls: Record<string, () => Promise<unknown>> = {
          merge: () => engine.merge("r", "main", "main"),
          tables: () =>
            engine.commitTable("r", "main", "t.jsonl", { safeParse: () => ({ success: true }) } as never, [], {
              message: "m",
            }),
          localDirectories: () => engine.addDirectory("r", "main", "."),
          pipelines: () => engine.explain({} as never),
          maintenance: () => engine.fsck(),
        };
        for (const [cap, call] of Object.entries(calls)) {
          if (engine.capabilities[cap] === false) {
            const error = await call().then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(isMlstackError(error, "NOT_SUPPORTED"), cap).toBe(true);
          }
        }
      }));
  });
}
