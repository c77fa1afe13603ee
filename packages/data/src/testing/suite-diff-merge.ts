import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DataEngine, DiffEntry, MergeStrategy } from "../spec.js";
import { expectCode, type SuiteContext, text, withEngine } from "./context.js";
import { mergeOracle } from "./merge-oracle.js";

type Tree = Record<string, string>;

const PATHS = ["a", "b", "d/x", "d/y", "d/e/z", "f/g"];
const VALUES = ["1", "2", "3"];
const treeArb: fc.Arbitrary<Tree> = fc
  .array(fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom(...VALUES)), { maxLength: 6 })
  .map((pairs) => Object.fromEntries(pairs));

async function setTree(engine: DataEngine, repo: string, branch: string, tree: Tree): Promise<string> {
  const c = await engine.commit(
    repo,
    branch,
    async (tx) => {
      for (const f of await engine.list(repo, branch)) if (!(f.path in tree)) await tx.delete(f.path);
      for (const [p, v] of Object.entries(tree)) await tx.put(p, v);
    },
    { message: "set", allowEmpty: true },
  );
  return c.id;
}

async function readTree(engine: DataEngine, repo: string, rev: string): Promise<Tree> {
  const out: Tree = {};
  for (const f of await engine.list(repo, rev)) out[f.path] = text(await engine.readBytes(repo, rev, f.path));
  return out;
}

const summary = (d: readonly DiffEntry[]) => d.map((e) => `${e.change} ${e.path}`).sort();

/** Diff and three-way merge, with properties against brute-force oracles. */
export function diffMergeSuite(ctx: SuiteContext): void {
  describe(`DataEngine conformance (${ctx.name}): diff`, () => {
    it("diff(a, a) is empty and diff(b, a) is the inverse of diff(a, b), against a map oracle", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await fc.assert(
          fc.asyncProperty(treeArb, treeArb, async (ta, tb) => {
            const a = await setTree(engine, "r", "main", ta);
            const b = await setTree(engine, "r", "main", tb);
            expect(await engine.diff("r", a, a)).toEqual([]);
            const ab = await engine.diff("r", a, b);
            const ba = await engine.diff("r", b, a);
            const inverse = ab.map(
              (e) => `${e.change === "added" ? "deleted" : e.change === "deleted" ? "added" : "modified"} ${e.path}`,
            );
            expect(summary(ba)).toEqual(inverse.sort());
            const expected = [...new Set([...Object.keys(ta), ...Object.keys(tb)])]
              .filter((p) => ta[p] !== tb[p])
              .map((p) => `${ta[p] === undefined ? "added" : tb[p] === undefined ? "deleted" : "modified"} ${p}`);
            expect(summary(ab)).toEqual(expected.sort());
          }),
          { numRuns: ctx.propertyRuns },
        );
      }));

    it("reports a file that became a directory as a delete and adds", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        const a = await setTree(engine, "r", "main", { x: "1" });
        const b = await setTree(engine, "r", "main", { "x/y": "1", "x/z": "2" });
        expect(summary(await engine.diff("r", a, b))).toEqual(["added x/y", "added x/z", "deleted x"]);
      }));
  });

  describe.runIf(ctx.capabilities.merge)(`DataEngine conformance (${ctx.name}): merge`, () => {
    it("matches the outcome table for every strategy (property)", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        let round = 0;
        await fc.assert(
          fc.asyncProperty(
            treeArb,
            treeArb,
            treeArb,
            fc.constantFrom<MergeStrategy>("fail", "source-wins", "dest-wins"),
            async (tb, ts, td, strategy) => {
              const n = round++;
              await setTree(engine, "r", "main", tb);
              await engine.createBranch("r", `s${n}`, "main");
              await engine.createBranch("r", `d${n}`, "main");
              await setTree(engine, "r", `s${n}`, ts);
              await setTree(engine, "r", `d${n}`, td);
              const paths = [...new Set([...Object.keys(tb), ...Object.keys(ts), ...Object.keys(td)])].sort();
              const outcomes = paths.map((p) => [p, mergeOracle(tb[p], ts[p], td[p], strategy)] as const);
              const conflicts = outcomes.filter(([, o]) => o.conflict).map(([p]) => p);
              // A file on one side where the other has a directory is a conflict too; the oracle is per path.
              const expected: Tree = {};
              for (const [p, o] of outcomes) if (o.value !== undefined) expected[p] = o.value;
              const shapeClash = Object.keys(expected).some((p) =>
                Object.keys(expected).some((q) => q.startsWith(`${p}/`)),
              );
              fc.pre(!shapeClash);
              if (strategy === "fail" && conflicts.length > 0) {
                const before = (await engine.getCommit("r", `d${n}`)).id;
                const err = await expectCode(engine.merge("r", `s${n}`, `d${n}`), "CONFLICT");
                expect(err.details.conflicts).toEqual(conflicts);
                expect((await engine.getCommit("r", `d${n}`)).id).toBe(before);
                return;
              }
              const result = await engine.merge("r", `s${n}`, `d${n}`, { strategy });
              expect(await readTree(engine, "r", `d${n}`)).toEqual(expected);
              if (result.kind === "merged") expect([...result.resolved]).toEqual(conflicts);
            },
          ),
          { numRuns: ctx.propertyRuns },
        );
      }));

    it("fast-forwards, reports up-to-date, and makes merge commits with two parents", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await setTree(engine, "r", "main", { a: "1" });
        await engine.createBranch("r", "dev", "main");
        await setTree(engine, "r", "dev", { a: "1", b: "2" });
        const ff = await engine.merge("r", "dev", "main");
        expect(ff.kind).toBe("fast-forward");
        expect((await engine.merge("r", "dev", "main")).kind).toBe("up-to-date");
        await setTree(engine, "r", "dev", { a: "1", b: "2", c: "3" });
        await setTree(engine, "r", "main", { a: "9", b: "2" });
        const merged = await engine.merge("r", "dev", "main", { message: "join" });
        expect(merged.kind).toBe("merged");
        expect(merged.commit.parents.length).toBe(2);
        expect(await readTree(engine, "r", "main")).toEqual({ a: "9", b: "2", c: "3" });
        expect((await engine.log("r", "main")).map((c) => c.message)).toContain("join");
      }));

    it("lists every conflicting path, including modify/delete", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r");
        await setTree(engine, "r", "main", { a: "1", b: "1", c: "1" });
        await engine.createBranch("r", "dev", "main");
        await setTree(engine, "r", "dev", { a: "2", b: "2" });
        await setTree(engine, "r", "main", { a: "3", c: "3" });
        const err = await expectCode(engine.merge("r", "dev", "main"), "CONFLICT");
        expect(err.details.conflicts).toEqual(["a", "b", "c"]);
        const r = await engine.merge("r", "dev", "main", { strategy: "dest-wins" });
        expect(r.resolved).toEqual(["a", "b", "c"]);
        expect(await readTree(engine, "r", "main")).toEqual({ a: "3", c: "3" });
      }));
  });
}
