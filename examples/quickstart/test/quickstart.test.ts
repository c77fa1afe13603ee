import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runQuickstart } from "../src/main.js";

it("runs the whole loop through the Stack: validated, drift detected, retrained automatically, canaried, lineage back to both data commits", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mlstack-quickstart-test-"));
  try {
    const lines: string[] = [];
    const steps: string[] = [];
    const began = Date.now();
    const result = await runQuickstart({
      folder,
      keep: true,
      log: (l) => lines.push(l),
      progress: (l) => steps.push(l),
    });
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(steps.at(-1)).toMatch(/done in/);
    // The composed stack validates: no finding is an error.
    expect(result.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(lines[0]).toBe(`validate: ok, ${result.findings.length} findings`);
    // The sweep is a parent run and one child run per trial.
    expect(result.trials).toBe(4);
    expect(result.runs.children).toHaveLength(4);
    expect(result.runs.children).not.toContain(result.runs.parent);
    expect(result.predictions).toBe(600 + 600 + 400);
    // Drift: the downturn moved incomes, debt and scores; the alert fired.
    expect(result.driftDetected).toBe(true);
    expect(result.driftedColumns).toEqual(expect.arrayContaining(["income", "credit_score", "debt_ratio"]));
    expect(result.alertsFired).toHaveLength(1);
    // The drift loop registered v2 on the February commit and canaried it 90/10; both answered over HTTP.
    expect(result.champion.version).toBe("1");
    expect(result.challenger?.version).toBe("2");
    expect(result.dataCommits).toHaveLength(2);
    expect(result.canary?.traffic).toEqual({ "1": 90, "2": 10 });
    const answered = result.canary?.answered ?? {};
    expect(Object.keys(answered).sort()).toEqual(["1", "2"]);
    expect((answered["1"] ?? 0) > (answered["2"] ?? 0)).toBe(true);
    // The served deployment's lineage reaches both model versions, both training sets and both data commits.
    const [january, february] = result.dataCommits;
    for (const key of [
      "model-version:loan-default/1",
      "model-version:loan-default/2",
      ...result.trainingSets,
      january,
      february,
    ]) {
      expect(result.lineage.artifacts).toContain(key);
    }
    expect(lines.join("\n")).toContain(result.lineage.text);
    // The coverage map is printed, and the drift, lineage and coverage files are written.
    expect(result.coverage.text).toContain("feature-store");
    // Nothing covers labeling; the stack's policy covers access control.
    expect(result.coverage.gaps).toEqual(["labeling"]);
    // The HTTP server calls serving as a principal that may predict, not undeploy.
    expect(lines).toContain("access             inference-server may not undeploy: PERMISSION_DENIED");
    expect(lines.join("\n")).toContain(result.coverage.text);
    const report = await readFile(result.files.driftReport, "utf8");
    expect(report).toContain('<table id="statistics">');
    for (const column of result.driftedColumns) expect(report).toContain(column);
    expect(await readFile(result.files.coverageSvg, "utf8")).toMatch(/^<svg[\s>]|<svg[\s>]/);
    expect(await readFile(result.files.coverageHtml, "utf8")).toContain("<svg");
    const mermaid = await readFile(result.files.lineage, "utf8");
    expect(mermaid).toMatch(/^flowchart/);
    expect(mermaid).toContain("loan-default");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}, 60_000);

it("removes its temporary folder unless asked to keep it", async () => {
  const result = await runQuickstart({ seed: 3, log: () => {}, progress: () => {} });
  expect(result.driftDetected).toBe(true);
  expect(result.challenger?.version).toBe("2");
  await expect(stat(result.folder)).rejects.toThrow();
}, 60_000);
