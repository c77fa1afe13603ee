import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runQuickstart } from "../src/main.js";

it("runs the whole loop: drift detected, retrained, canaried, lineage back to the data commit", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mlstack-quickstart-test-"));
  try {
    const lines: string[] = [];
    const steps: string[] = [];
    const result = await runQuickstart({
      folder,
      keep: true,
      log: (l) => lines.push(l),
      progress: (l) => steps.push(l),
    });
    expect(steps.at(-1)).toMatch(/done in/);
    expect(result.trials).toBe(4);
    expect(result.predictions).toBe(600 + 600 + 400);
    // Drift: the downturn moved incomes, debt and scores; the alert fired.
    expect(result.driftDetected).toBe(true);
    expect(result.driftedColumns).toEqual(expect.arrayContaining(["income", "credit_score", "debt_ratio"]));
    expect(result.alertsFired).toHaveLength(1);
    // v2 registered and canaried 90/10; both versions answered over HTTP.
    expect(result.challenger?.version).toBe("2");
    expect(result.canary?.traffic).toEqual({ "1": 90, "2": 10 });
    const answered = result.canary?.answered ?? {};
    expect(Object.keys(answered).sort()).toEqual(["1", "2"]);
    expect((answered["1"] ?? 0) > (answered["2"] ?? 0)).toBe(true);
    // Lineage from each served model version reaches its data commit and training set.
    const text = lines.join("\n");
    const [commit1, commit2] = result.dataCommits;
    expect(text).toContain(`lineage of model-version:loan-default/2:`);
    expect(result.lineage.join("\n")).toContain(commit1);
    expect(result.lineage.join("\n")).toContain(commit2);
    expect(result.lineage.join("\n")).toContain(result.trainingSets[1]);
    // The report is a page with the drift table.
    const html = await readFile(result.reportPath, "utf8");
    expect(html).toContain('<table id="statistics">');
    for (const column of result.driftedColumns) expect(html).toContain(column);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}, 60_000);

it("removes its temporary folder unless asked to keep it", async () => {
  const result = await runQuickstart({ seed: 3, log: () => {}, progress: () => {} });
  expect(result.driftDetected).toBe(true);
  await expect(stat(result.folder)).rejects.toThrow();
}, 60_000);
