import { describe, expect, it } from "vitest";
import { z } from "zod";
import { collect, expectCode, type SuiteContext, text, withEngine } from "./context.js";

const Row = z.object({ id: z.number().int(), name: z.string().min(1), score: z.number().optional() });

/** Tables: validation at ingestion, quarantine, typed reads. */
export function tableSuite(ctx: SuiteContext): void {
  describe.runIf(ctx.capabilities.tables)(`DataEngine conformance (${ctx.name}): tables`, () => {
    it("commits valid records as JSON Lines and reads typed records back", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("t");
        async function* rows() {
          for (let i = 0; i < 1000; i++) yield { id: i, name: `n${i}`, extra: "dropped" };
        }
        const r = await engine.commitTable("t", "main", "users.jsonl", Row, rows(), { message: "load" });
        expect(r.rows).toBe(1000);
        expect(r.quarantined).toBe(0);
        const back = await collect(engine.readTable("t", "main", "users.jsonl", Row));
        expect(back.length).toBe(1000);
        expect(back[3]).toEqual({ id: 3, name: "n3" });
        expect(text(await engine.readBytes("t", "main", "users.jsonl")).split("\n")[0]).toBe('{"id":0,"name":"n0"}');
        expect((await engine.stat("t", "main", "users.jsonl")).metadata).toEqual({ format: "jsonl" });
      }));

    it("rejects invalid rows listing row numbers and field paths, committing nothing", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("t");
        const before = (await engine.getCommit("t", "main")).id;
        const err = await expectCode(
          engine.commitTable(
            "t",
            "main",
            "u.jsonl",
            Row,
            [
              { id: 1, name: "a" },
              { id: 1.5, name: "b" },
              { id: 2, name: "" },
              { id: 3, name: "c", score: "high" },
            ] as never,
            { message: "m" },
          ),
          "INVALID_ARGUMENT",
        );
        expect(err.details.invalidRows).toBe(3);
        const rows = err.details.rows as Array<{ row: number; issues: Array<{ path: string }> }>;
        expect(rows.map((r) => [r.row, r.issues.map((i) => i.path)])).toEqual([
          [1, ["id"]],
          [2, ["name"]],
          [3, ["score"]],
        ]);
        expect((await engine.getCommit("t", "main")).id).toBe(before);
      }));

    it("with quarantine, commits good rows and puts bad rows in a separate path of the same commit", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("t");
        const r = await engine.commitTable(
          "t",
          "main",
          "u.jsonl",
          Row,
          [
            { id: 1, name: "a" },
            { id: "x", name: "b" },
          ] as never,
          {
            message: "m",
            quarantine: "quarantine/u.jsonl",
          },
        );
        expect(r).toMatchObject({ rows: 1, quarantined: 1 });
        expect(await collect(engine.readTable("t", r.commit.id, "u.jsonl", Row))).toEqual([{ id: 1, name: "a" }]);
        const bad = text(await engine.readBytes("t", r.commit.id, "quarantine/u.jsonl"))
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l));
        expect(bad).toHaveLength(1);
        expect(bad[0]).toMatchObject({ row: 1, record: { id: "x", name: "b" } });
        expect(bad[0].issues[0].path).toBe("id");
      }));

    it("reports a stored row that does not match the reader's schema", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("t");
        await engine.commitTable("t", "main", "u.jsonl", Row, [{ id: 1, name: "a" }], { message: "m" });
        const Strict = z.object({ id: z.string() });
        await expectCode(collect(engine.readTable("t", "main", "u.jsonl", Strict)), "FAILED_PRECONDITION");
      }));
  });
}
