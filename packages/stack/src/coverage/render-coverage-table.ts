import type { CoverageMatrix } from "./coverage-matrix.js";

const NONE = ".";
const GAP = "GAP";

/**
 * The coverage matrix as a fixed-width text table: one row per canonical stage, one column per brick
 * (and `stack`), each cell `full`, `partial` or `.`, the last column the stage's best level (`GAP`
 * when nothing covers it); then which implementation each column is, the gaps and the partial stages.
 */
export function renderCoverageTable(matrix: CoverageMatrix): string {
  const header = ["stage", ...matrix.columns.map((c) => c.path), "covered"];
  const rows = matrix.stages.map((row) => [
    row.stage,
    ...matrix.columns.map((c) => c.coverage[row.stage] ?? NONE),
    row.level === "none" ? GAP : row.level,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const bricks = matrix.columns
    .filter((c) => c.slot !== "stack")
    .map((c) => `${c.path} = ${c.implementation}`)
    .join(", ");
  return [
    `Coverage of stack "${matrix.name}"`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `bricks: ${bricks === "" ? "none" : bricks}`,
    `gaps: ${matrix.gaps.length === 0 ? "none" : matrix.gaps.join(", ")}`,
    `partial: ${matrix.partial.length === 0 ? "none" : matrix.partial.join(", ")}`,
    "",
  ].join("\n");
}
