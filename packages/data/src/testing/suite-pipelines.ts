import { describe, expect, it } from "vitest";
import type { DataEngine, Datum, PipelineDefinition, PipelineRunResult } from "../spec.js";
import { expectCode, type SuiteContext, text, withEngine } from "./context.js";

async function seed(engine: DataEngine, files: Record<string, string>): Promise<void> {
  await engine.commit(
    "in",
    "main",
    async (tx) => {
      for (const f of await engine.list("in", "main")) if (!(f.path in files)) await tx.delete(f.path);
      for (const [p, v] of Object.entries(files)) await tx.put(p, v);
    },
    { message: "seed" },
  );
}

function upper(calls: string[], overrides: Partial<PipelineDefinition> = {}): PipelineDefinition {
  return {
    name: "upper",
    input: { repo: "in", branch: "main", glob: "/*" },
    output: { repo: "out", branch: "main" },
    fingerprint: { code: "v1" },
    transform: async (datum: Datum) => {
      calls.push(datum.key);
      const outs = [];
      for (const f of datum.files) outs.push({ path: f.path, data: text(await datum.readBytes(f.path)).toUpperCase() });
      return outs;
    },
    ...overrides,
  };
}

const byKey = (r: { datums: readonly { key: string; action: string; reason: string }[] }) =>
  Object.fromEntries(r.datums.map((d) => [d.key, `${d.action}:${d.reason}`]));

/** Pipelines: datums, incrementality, retries, failures, provenance and subscriptions. */
export function pipelineSuite(ctx: SuiteContext): void {
  describe.runIf(ctx.capabilities.pipelines)(`DataEngine conformance (${ctx.name}): pipelines`, () => {
    it("processes only changed datums, deletes outputs of vanished ones, and records provenance", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("in");
        await engine.createRepo("out");
        await seed(engine, { "a/1": "one", "a/2": "two", "b/1": "bee", c: "sea" });
        const calls: string[] = [];
        const p = upper(calls);
        expect(byKey(await engine.explain(p))).toEqual({ a: "run:new", b: "run:new", c: "run:new" });
        const first = await engine.runPipeline(p);
        expect(first.processed).toBe(3);
        const input = await engine.getCommit("in", "main");
        expect(first.commit?.provenance).toEqual([input.ref]);
        expect(first.commit?.origin).toBe("pipeline");
        expect(text(await engine.readBytes("out", "main", "a/2"))).toBe("TWO");

        expect((await engine.runPipeline(p)).commit).toBeUndefined();
        calls.length = 0;
        await seed(engine, { "a/1": "one", "a/2": "too", c: "sea", d: "dee" });
        expect(byKey(await engine.explain(p))).toEqual({
          a: "run:input-changed",
          b: "delete:removed",
          c: "skip:unchanged",
          d: "run:new",
        });
        const second = await engine.runPipeline(p);
        expect(calls.sort()).toEqual(["a", "d"]);
        expect(second).toMatchObject({ processed: 2, skipped: 1, deleted: 1 });
        expect((await engine.list("out", "main")).map((f) => f.path).sort()).toEqual(["a/1", "a/2", "c", "d"]);
        expect(text(await engine.readBytes("out", "main", "a/2"))).toBe("TOO");

        calls.length = 0;
        const p2 = upper(calls, { fingerprint: { code: "v1", params: { loud: true } } });
        expect(Object.values(byKey(await engine.explain(p2)))).toEqual([
          "run:fingerprint-changed",
          "run:fingerprint-changed",
          "run:fingerprint-changed",
        ]);
        await engine.runPipeline(p2);
        expect(calls.length).toBe(3);
      }));

    it("groups datums by glob: / is the whole tree, /** every file", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("in");
        await engine.createRepo("out");
        await seed(engine, { "a/1": "x", "a/b/2": "y", c: "z" });
        const whole = await engine.explain(upper([], { input: { repo: "in", branch: "main", glob: "/" } }));
        expect(whole.datums.map((d) => d.key)).toEqual(["/"]);
        const each = await engine.explain(upper([], { input: { repo: "in", branch: "main", glob: "/**" } }));
        expect(each.datums.map((d) => d.key).sort()).toEqual(["a/1", "a/b/2", "c"]);
      }));

    it("retries a failing datum, and a datum that keeps failing commits nothing", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("in");
        await engine.createRepo("out");
        await seed(engine, { a: "1", b: "2" });
        let flaky = 0;
        const results: PipelineRunResult[] = [];
        const p = upper([], {
          transform: async (d: Datum) => {
            if (d.key === "a" && flaky++ < 2) throw new Error("transient");
            return [{ path: d.key, data: "ok" }];
          },
        });
        results.push(await engine.runPipeline(p));
        expect(flaky).toBe(3);
        expect(results[0]?.processed).toBe(2);
        await seed(engine, { a: "1", b: "3" });
        const head = (await engine.getCommit("out", "main")).id;
        let tries = 0;
        const failing = upper([], {
          datumTries: 2,
          transform: async (d: Datum) => {
            if (d.key === "b") {
              tries++;
              throw new Error("broken");
            }
            return [{ path: d.key, data: "x" }];
          },
        });
        await expectCode(engine.runPipeline(failing), "INTERNAL");
        expect(tries).toBe(2);
        expect((await engine.getCommit("out", "main")).id).toBe(head);
        expect(byKey(await engine.explain(failing)).b).toBe("run:input-changed");
      }));

    it("refuses two datums writing the same output path", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("in");
        await engine.createRepo("out");
        await seed(engine, { a: "1", b: "2" });
        const p = upper([], { transform: async () => [{ path: "same", data: "x" }] });
        const err = await expectCode(engine.runPipeline(p), "INVALID_ARGUMENT");
        expect(err.details.path).toBe("same");
        expect(await engine.list("out", "main")).toEqual([]);
      }));

    it("runs on every new commit of its input branch when subscribed", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("in");
        await engine.createRepo("out");
        const runs: PipelineRunResult[] = [];
        let done: () => void = () => {};
        const sub = engine.subscribe(upper([]), {
          onRun: (r) => {
            runs.push(r);
            if (r.commit) done();
          },
        });
        const ran = new Promise<void>((resolve) => {
          done = resolve;
        });
        await seed(engine, { a: "hi" });
        await ran;
        await sub.close();
        expect(text(await engine.readBytes("out", "main", "a"))).toBe("HI");
        await seed(engine, { a: "bye" });
        expect(text(await engine.readBytes("out", "main", "a"))).toBe("HI");
      }));
  });
}
