import { describe, expect, it } from "vitest";
import { type SuiteContext, text, withEngine } from "./context.js";

/** gc and fsck. */
export function maintenanceSuite(ctx: SuiteContext): void {
  describe.runIf(ctx.capabilities.maintenance)(`DataEngine conformance (${ctx.name}): maintenance`, () => {
    it("gc removes only what no ref reaches, and fsck stays clean", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r", { chunking: { min: 256, avg: 1024, max: 4096 } });
        const big = new Uint8Array(50_000).map((_, i) => (i * 2654435761) >>> 24);
        await engine.commit("r", "main", (tx) => tx.put("keep", big).then(() => {}), { message: "m" });
        await engine.createBranch("r", "tmp", "main");
        await engine.commit("r", "tmp", (tx) => tx.put("drop", "only on tmp").then(() => {}), { message: "m" });
        expect((await engine.gc()).deleted).toBe(0);
        await engine.deleteBranch("r", "tmp");
        const report = await engine.gc();
        expect(report.deleted).toBeGreaterThan(0);
        expect((await engine.gc()).deleted).toBe(0);
        expect(await engine.readBytes("r", "main", "keep")).toEqual(big);
        const fsck = await engine.fsck();
        expect(fsck).toMatchObject({ ok: true, problems: [] });
        expect(fsck.objectsChecked).toBeGreaterThan(5);
        // History stays whole: every commit of main is still readable.
        for (const c of await engine.log("r", "main")) await engine.list("r", c.id);
        expect(text(await engine.readBytes("r", "main~0", "keep")).length).toBeGreaterThan(0);
      }));
  });
}
