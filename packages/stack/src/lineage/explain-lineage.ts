import { type Ref, refKey } from "@mlstack/core";
import type { LineageArtifact, LineageExecution, LineageGraph } from "@mlstack/metadata";
import type { Explanation } from "../spec.js";

type Direction = "upstream" | "downstream";

interface Adjacency {
  /** Artifact key → executions one hop away in the walk's direction. */
  readonly fromArtifact: Map<string, string[]>;
  /** Execution id → artifact keys one hop away in the walk's direction. */
  readonly fromExecution: Map<string, string[]>;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

// Upstream: an artifact's producers, an execution's inputs. Downstream: its consumers, its outputs.
function adjacency(graph: LineageGraph, direction: Direction): Adjacency {
  const fromArtifact = new Map<string, string[]>();
  const fromExecution = new Map<string, string[]>();
  for (const e of graph.events) {
    const towardsExecution = direction === "upstream" ? e.type === "output" : e.type === "input";
    if (towardsExecution) push(fromArtifact, e.artifact, e.execution);
    else push(fromExecution, e.execution, e.artifact);
  }
  for (const list of [...fromArtifact.values(), ...fromExecution.values()]) list.sort();
  return { fromArtifact, fromExecution };
}

function executionLabel(e: LineageExecution | undefined, id: string): string {
  if (e === undefined) return id;
  // A run's name is free text (often its job id): show the run id beside it.
  if (e.type === "run" && typeof e.properties.runId === "string") {
    return e.name === e.properties.runId ? `run ${e.name}` : `run ${e.properties.runId}: ${e.name}`;
  }
  return e.name === e.id || e.name === "" ? `${e.type} ${e.id}` : `${e.type}: ${e.name}`;
}

function artifactLabel(a: LineageArtifact | undefined, key: string): string {
  return a?.key ?? key;
}

/** The tree of one direction as indented lines: artifact ← execution ← inputs; a node met again is not expanded twice. */
function treeLines(graph: LineageGraph, startKey: string, direction: Direction): string[] {
  const { fromArtifact, fromExecution } = adjacency(graph, direction);
  const artifacts = new Map(graph.artifacts.map((a) => [a.key, a]));
  const executions = new Map(graph.executions.map((e) => [e.id, e]));
  const arrow = direction === "upstream" ? "←" : "→";
  const lines: string[] = [];
  const expanded = new Set<string>();
  const visit = (node: string, isArtifact: boolean, depth: number) => {
    const id = `${isArtifact ? "a" : "e"}:${node}`;
    const label = isArtifact ? artifactLabel(artifacts.get(node), node) : executionLabel(executions.get(node), node);
    const prefix = depth === 0 ? "" : `${"  ".repeat(depth)}${arrow} `;
    const next = (isArtifact ? fromArtifact.get(node) : fromExecution.get(node)) ?? [];
    if (expanded.has(id)) {
      lines.push(`${prefix}${label}${next.length > 0 ? " (see above)" : ""}`);
      return;
    }
    expanded.add(id);
    lines.push(`${prefix}${label}`);
    for (const child of next) visit(child, !isArtifact, depth + 1);
  };
  visit(startKey, artifacts.has(startKey) || !executions.has(startKey), 0);
  return lines;
}

// Mermaid labels sit in double quotes; entity codes keep quotes, `#` and angle brackets literal.
function escapeLabel(label: string): string {
  return label
    .replaceAll("#", "#35;")
    .replaceAll('"', "#quot;")
    .replaceAll("<", "#lt;")
    .replaceAll(">", "#gt;")
    .replace(/[\r\n]+/g, " ");
}

function mermaid(graph: LineageGraph, startKey: string, direction: "upstream" | "downstream" | "both"): string {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  const idOf = (node: string, prefix: string) => {
    const known = ids.get(`${prefix}${node}`);
    if (known !== undefined) return known;
    const base = `${prefix}_${node
      .replace(/[^A-Za-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 48)}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(`${prefix}${node}`, id);
    return id;
  };
  const lines = [`flowchart ${direction === "upstream" ? "RL" : "LR"}`];
  for (const a of graph.artifacts) {
    const start = a.key === startKey ? ":::start" : "";
    lines.push(`  ${idOf(a.key, "a")}["${escapeLabel(a.key)}"]${start}`);
  }
  for (const e of graph.executions) {
    const start = e.id === startKey ? ":::start" : "";
    lines.push(`  ${idOf(e.id, "e")}("${escapeLabel(executionLabel(e, e.id))}")${start}`);
  }
  // Edges follow the data: input artifact → execution → output artifact.
  for (const ev of graph.events) {
    const a = idOf(ev.artifact, "a");
    const e = idOf(ev.execution, "e");
    lines.push(ev.type === "input" ? `  ${a} --> ${e}` : `  ${e} --> ${a}`);
  }
  lines.push("  classDef start stroke-width:3px");
  return lines.join("\n");
}

/**
 * Renders a lineage graph from its start ref: as text, one line per hop walking outward from the start
 * (upstream: artifact ← the execution that made it ← its inputs; downstream with →), indented by
 * distance, in a stable order; and as a Mermaid `flowchart` (right-to-left upstream, left-to-right
 * otherwise) with artifacts as boxes, executions rounded, and edges along the data flow.
 */
export function explainLineage(
  start: Ref,
  graph: LineageGraph,
  direction: "upstream" | "downstream" | "both",
): Explanation {
  const startKey = refKey(start);
  const text =
    direction === "both"
      ? [
          "upstream:",
          ...treeLines(graph, startKey, "upstream").map((l) => `  ${l}`),
          "downstream:",
          ...treeLines(graph, startKey, "downstream").map((l) => `  ${l}`),
        ]
      : treeLines(graph, startKey, direction);
  return { start, graph, text: text.join("\n"), mermaid: mermaid(graph, startKey, direction) };
}
