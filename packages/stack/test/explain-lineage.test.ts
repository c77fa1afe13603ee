import { type Ref, refKey } from "@mlstack/core";
import type { LineageGraph } from "@mlstack/metadata";
import { describe, expect, it } from "vitest";
import { createTestStack } from "../src/index.js";
import { explainLineage } from "../src/lineage/explain-lineage.js";

const raw: Ref = { kind: "data-commit", repo: "raw", commit: "c1" };
const labels: Ref = { kind: "data-commit", repo: "labels", commit: "c2" };
const set: Ref = { kind: "training-set", id: "ts-1", contentHash: "sha256:ab" };
const version: Ref = { kind: "model-version", model: 'm"1', version: "1" };
const artifact = (ref: Ref) => ({ key: refKey(ref), ref, properties: {} });

// raw and labels → build → set → run → version; raw also feeds the run directly (a diamond).
const graph: LineageGraph = {
  artifacts: [raw, labels, set, version].map(artifact),
  executions: [
    { id: "features.historical:x", type: "features.historical", name: "training set ts-1", properties: {} },
    { id: "run:r1", type: "run", name: "job-7", properties: { runId: "r1" } },
  ],
  events: [
    { artifact: refKey(raw), execution: "features.historical:x", type: "input" },
    { artifact: refKey(labels), execution: "features.historical:x", type: "input" },
    { artifact: refKey(set), execution: "features.historical:x", type: "output" },
    { artifact: refKey(set), execution: "run:r1", type: "input" },
    { artifact: refKey(raw), execution: "run:r1", type: "input" },
    { artifact: refKey(version), execution: "run:r1", type: "output" },
  ],
  contexts: [],
  attributions: [],
  associations: [],
};

describe("explainLineage", () => {
  it("writes one line per hop from the start, indented, inputs in key order, a node met again not expanded twice", () => {
    const { text } = explainLineage(version, graph, "upstream");
    expect(text.split("\n")).toEqual([
      "model-version:m%221/1",
      "  ← run r1: job-7",
      "    ← data-commit:raw@c1",
      "    ← training-set:ts-1#sha256%3Aab",
      "      ← features.historical: training set ts-1",
      "        ← data-commit:labels@c2",
      "        ← data-commit:raw@c1",
    ]);
  });

  it("walks downstream with arrows the other way, and marks what was already expanded", () => {
    const { text } = explainLineage(raw, graph, "downstream");
    expect(text.split("\n")).toEqual([
      "data-commit:raw@c1",
      "  → features.historical: training set ts-1",
      "    → training-set:ts-1#sha256%3Aab",
      "      → run r1: job-7",
      "        → model-version:m%221/1",
      "  → run r1: job-7 (see above)",
    ]);
  });

  it("renders both directions under their headings", () => {
    const { text } = explainLineage(set, graph, "both");
    expect(text.split("\n")).toEqual([
      "upstream:",
      "  training-set:ts-1#sha256%3Aab",
      "    ← features.historical: training set ts-1",
      "      ← data-commit:labels@c2",
      "      ← data-commit:raw@c1",
      "downstream:",
      "  training-set:ts-1#sha256%3Aab",
      "    → run r1: job-7",
      "      → model-version:m%221/1",
    ]);
  });

  it("draws a Mermaid flowchart: right-to-left upstream, boxes and rounded executions, sanitized ids, escaped labels", () => {
    const { mermaid, start, graph: kept } = explainLineage(version, graph, "upstream");
    expect(start).toBe(version);
    expect(kept).toBe(graph);
    const lines = mermaid.split("\n");
    expect(lines[0]).toBe("flowchart RL");
    expect(lines).toContain('  a_model_version_m_221_1["model-version:m%221/1"]:::start');
    expect(lines).toContain('  a_training_set_ts_1_sha256_3Aab["training-set:ts-1#35;sha256%3Aab"]');
    expect(lines).toContain('  e_run_r1("run r1: job-7")');
    expect(lines).toContain("  a_training_set_ts_1_sha256_3Aab --> e_run_r1");
    expect(lines).toContain("  e_run_r1 --> a_model_version_m_221_1");
    // Every node id is a plain identifier; every edge names declared nodes.
    const declared = new Set(lines.flatMap((l) => /^ {2}([A-Za-z0-9_]+)[[(]/.exec(l)?.[1] ?? []));
    expect(declared.size).toBe(graph.artifacts.length + graph.executions.length);
    for (const l of lines.filter((x) => x.includes("-->"))) {
      const [from, to] = l.trim().split(" --> ");
      expect(declared.has(from as string) && declared.has(to as string)).toBe(true);
    }
    expect(explainLineage(raw, graph, "downstream").mermaid.startsWith("flowchart LR\n")).toBe(true);
  });

  it("escapes quotes and keeps colliding ids apart", () => {
    const a: Ref = { kind: "data-commit", repo: "a-b", commit: "1" };
    const b: Ref = { kind: "data-commit", repo: "a_b", commit: "1" };
    const quoted: LineageGraph = {
      ...graph,
      artifacts: [artifact(a), artifact(b)],
      executions: [{ id: "x", type: "t", name: 'say "hi" <b>', properties: {} }],
      events: [
        { artifact: refKey(a), execution: "x", type: "input" },
        { artifact: refKey(b), execution: "x", type: "output" },
      ],
    };
    const { mermaid } = explainLineage(b, quoted, "upstream");
    expect(mermaid).toContain('e_x("t: say #quot;hi#quot; #lt;b#gt;")');
    expect(mermaid).toContain("a_data_commit_a_b_1[");
    expect(mermaid).toContain("a_data_commit_a_b_1_2[");
    expect(mermaid).not.toMatch(/\("[^"]*"[^"]*"\)/);
  });

  it("stack.explain renders what stack.lineage returns for a recorded commit", async () => {
    await using stack = await createTestStack();
    await stack.data.createRepo("in");
    await stack.data.createRepo("out");
    const put = (v: string) => async (tx: { put(p: string, d: string): Promise<unknown> }) => {
      await tx.put("f.txt", v);
    };
    const source = await stack.data.commit("in", "main", put("1"), { message: "in" });
    const derived = await stack.data.commit("out", "main", put("2"), { message: "out", provenance: [source.ref] });
    const explanation = await stack.explain(derived.ref);
    expect(explanation.text.split("\n")).toEqual([
      refKey(derived.ref),
      `  ← data.commit: out@${derived.id.slice(0, 12)}`,
      `    ← ${refKey(source.ref)}`,
    ]);
    expect(explanation.graph).toEqual(await stack.lineage(derived.ref));
    expect(explanation.mermaid.split("\n")[0]).toBe("flowchart RL");
  });
});
