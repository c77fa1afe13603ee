import type { CoverageReport } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { coverageColumns } from "./coverage-columns.js";
import { coverageMatrix } from "./coverage-matrix.js";
import { renderCoverageHtml } from "./render-coverage-html.js";
import { renderCoverageSvg } from "./render-coverage-svg.js";
import { renderCoverageTable } from "./render-coverage-table.js";

/**
 * Which canonical stages a stack covers: every brick's declared coverage and the Stack's own (lineage,
 * access control), the gaps and the partial stages, as a text table, an SVG picture and an HTML page.
 * Pure: reads the bricks' declarations, no I/O.
 */
export function stackCoverage(core: StackCore): CoverageReport {
  const matrix = coverageMatrix(core.name, coverageColumns(core));
  const svg = renderCoverageSvg(matrix);
  return {
    columns: matrix.columns,
    stages: matrix.stages,
    gaps: matrix.gaps,
    partial: matrix.partial,
    text: renderCoverageTable(matrix),
    svg,
    html: renderCoverageHtml(matrix, svg),
  };
}
