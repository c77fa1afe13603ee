import { CANONICAL_STAGES, type CanonicalStage } from "@mlstack/core";
import type { CoverageColumn, StageCoverage } from "../spec.js";
import type { CoverageMatrix } from "./coverage-matrix.js";
import { GAP_COLOR, lighten } from "./coverage-palette.js";
import { escapeXml } from "./escape-xml.js";

/** The loop of the canonical stack, left to right; the stages not named here run across it, below. */
const PHASES: readonly { readonly title: string; readonly stages: readonly CanonicalStage[] }[] = [
  { title: "data", stages: ["ingestion", "versioning", "transformation", "validation", "labeling"] },
  { title: "features", stages: ["feature-store"] },
  { title: "training", stages: ["experimentation", "training", "tuning"] },
  { title: "registry", stages: ["model-registry"] },
  { title: "serving", stages: ["deployment", "serving"] },
  { title: "monitoring", stages: ["monitoring"] },
];
const IN_LOOP = new Set<string>(PHASES.flatMap((p) => p.stages));
/** Lineage, metadata, logging, access control: they span the whole loop. */
const CROSS_CUTTING = CANONICAL_STAGES.filter((s) => !IN_LOOP.has(s));

const MARGIN = 24;
const COL_W = 156;
const COL_GAP = 36;
const BOX_H = 46;
const BOX_GAP = 8;
const HEADER_Y = 64;
const BOXES_Y = 76;
const BAR_H = 34;
const LEGEND_COLS = 3;
const LEGEND_ROW_H = 24;
const CONTENT_W = PHASES.length * COL_W + (PHASES.length - 1) * COL_GAP;
const WIDTH = 2 * MARGIN + CONTENT_W;
const LOOP_BOTTOM = BOXES_Y + maxBoxes() * (BOX_H + BOX_GAP) - BOX_GAP;
const LOOP_Y = LOOP_BOTTOM + 22;
const BARS_Y = LOOP_Y + 28;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/**
 * The coverage matrix as a standalone SVG in the style of the canonical-stack diagrams: the loop of
 * stages from data to monitoring left to right (with the feedback arrow back to data), the cross-cutting
 * stages as bars below, each stage filled with the colours of the bricks covering it (solid for full,
 * light for partial, grey hatch for a gap), and a legend. Deterministic: the same matrix gives the same bytes.
 */
export function renderCoverageSvg(matrix: CoverageMatrix): string {
  const ids = idPrefix(matrix.name);
  const byStage = new Map(matrix.stages.map((s) => [s.stage, s]));
  const colors = new Map(matrix.columns.map((c) => [c.path, c]));
  const out: string[] = [];
  const legendY = BARS_Y + CROSS_CUTTING.length * (BAR_H + BOX_GAP) + 24;
  const legendRows = Math.ceil((matrix.columns.length + 1) / LEGEND_COLS);
  const height = legendY + 28 + legendRows * LEGEND_ROW_H + MARGIN;
  const title = `Coverage of stack "${matrix.name}"`;

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${ids}-title">`,
    `<title id="${ids}-title">${escapeXml(title)}</title>`,
    "<defs>",
    `<pattern id="${ids}-gap" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`,
    `<rect width="8" height="8" fill="${GAP_COLOR}"/><line x1="0" y1="0" x2="0" y2="8" stroke="#9e9e9e" stroke-width="3"/>`,
    "</pattern>",
    `<marker id="${ids}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">`,
    '<path d="M0,0 L10,5 L0,10 z" fill="#555555"/>',
    "</marker>",
    "</defs>",
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="36" ${FONT} font-size="20" font-weight="bold" fill="#222222">${escapeXml(title)}</text>`,
  );

  // The loop: one column per phase, arrows between them, the feedback arrow from monitoring back to data.
  PHASES.forEach((phase, i) => {
    const x = columnX(i);
    out.push(
      `<text x="${x + COL_W / 2}" y="${HEADER_Y - 8}" ${FONT} font-size="13" font-weight="bold" fill="#555555" text-anchor="middle">${escapeXml(phase.title)}</text>`,
    );
    phase.stages.forEach((stage, j) => {
      out.push(...stageBox(stageOf(byStage, stage), colors, ids, x, BOXES_Y + j * (BOX_H + BOX_GAP), COL_W, BOX_H));
    });
    if (i < PHASES.length - 1) {
      const y = BOXES_Y + BOX_H / 2;
      out.push(
        `<line x1="${x + COL_W + 4}" y1="${y}" x2="${x + COL_W + COL_GAP - 4}" y2="${y}" stroke="#555555" stroke-width="2" marker-end="url(#${ids}-arrow)"/>`,
      );
    }
  });
  const lastPhase = PHASES[PHASES.length - 1];
  const fromX = columnX(PHASES.length - 1) + COL_W / 2;
  const fromY = BOXES_Y + (lastPhase?.stages.length ?? 1) * (BOX_H + BOX_GAP) - BOX_GAP + 4;
  const toX = columnX(0) + COL_W / 2;
  out.push(
    `<path d="M${fromX},${fromY} L${fromX},${LOOP_Y} L${toX},${LOOP_Y} L${toX},${LOOP_BOTTOM + 4}" fill="none" stroke="#555555" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#${ids}-arrow)"/>`,
    `<text x="${(fromX + toX) / 2}" y="${LOOP_Y - 6}" ${FONT} font-size="11" fill="#555555" text-anchor="middle">feedback: drift → retrain on new data</text>`,
  );

  // The cross-cutting stages, one bar each across the whole loop.
  CROSS_CUTTING.forEach((stage, k) => {
    out.push(
      ...stageBox(stageOf(byStage, stage), colors, ids, MARGIN, BARS_Y + k * (BAR_H + BOX_GAP), CONTENT_W, BAR_H),
    );
  });

  // The legend: each column's solid and light swatches, then the gap swatch.
  out.push(
    `<text x="${MARGIN}" y="${legendY}" ${FONT} font-size="13" font-weight="bold" fill="#222222">legend</text>`,
    `<text x="${MARGIN + 60}" y="${legendY}" ${FONT} font-size="11" fill="#555555">solid: covers the stage fully · light: partly · hatched: a gap</text>`,
  );
  const items = [
    ...matrix.columns.map((c) => ({
      fills: [c.color, lighten(c.color)],
      label: c.slot === "stack" ? "stack (the composer itself)" : `${c.path} (${c.implementation})`,
    })),
    { fills: [`url(#${ids}-gap)`], label: "gap: nothing covers it" },
  ];
  const itemW = CONTENT_W / LEGEND_COLS;
  items.forEach((item, n) => {
    const x = MARGIN + (n % LEGEND_COLS) * itemW;
    const y = legendY + 14 + Math.floor(n / LEGEND_COLS) * LEGEND_ROW_H;
    item.fills.forEach((fill, f) => {
      out.push(
        `<rect x="${x + f * 20}" y="${y}" width="16" height="16" fill="${fill}" stroke="#444444" stroke-width="0.5"/>`,
      );
    });
    out.push(`<text x="${x + 46}" y="${y + 12}" ${FONT} font-size="12" fill="#222222">${escapeXml(item.label)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

// One stage: a stripe per covering brick (solid or light), its name and who covers it.
function stageBox(
  row: StageCoverage,
  columns: ReadonlyMap<string, CoverageColumn>,
  ids: string,
  x: number,
  y: number,
  w: number,
  h: number,
): string[] {
  const out = [`<g>`, `<title>${escapeXml(describe(row))}</title>`];
  if (row.by.length === 0) {
    out.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="url(#${ids}-gap)"/>`);
  }
  row.by.forEach((b, i) => {
    const color = columns.get(b.path)?.color ?? GAP_COLOR;
    const x0 = x + (w * i) / row.by.length;
    const x1 = x + (w * (i + 1)) / row.by.length;
    out.push(
      `<rect x="${num(x0)}" y="${y}" width="${num(x1 - x0)}" height="${h}" fill="${b.level === "full" ? color : lighten(color)}"/>`,
    );
  });
  const wide = w > COL_W;
  // Paths only: the stripe's shade says full or partial, the tooltip says it in words.
  const who = fit(
    row.by.map((b) => b.path),
    wide ? w - 20 : w - 8,
  );
  const labelX = wide ? x + 10 : x + w / 2;
  const anchor = wide ? "start" : "middle";
  const halo = 'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"';
  out.push(
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" fill="none" stroke="#444444" stroke-width="1"/>`,
    `<text x="${labelX}" y="${y + (wide ? h / 2 - 2 : 19)}" ${FONT} font-size="13" font-weight="bold" fill="#111111" text-anchor="${anchor}" ${halo}>${escapeXml(row.stage)}</text>`,
    `<text x="${labelX}" y="${y + (wide ? h / 2 + 11 : 36)}" ${FONT} font-size="10" fill="#222222" text-anchor="${anchor}" ${halo}>${escapeXml(who)}</text>`,
    "</g>",
  );
  return out;
}

// The covering bricks as they fit in `width` (10px text, at most about 5.6px a character): as many as fit, then
// "+n more"; the box's tooltip names them all.
function fit(names: readonly string[], width: number): string {
  if (names.length === 0) return "gap";
  const max = Math.floor(width / 5.6);
  for (let n = names.length; n > 1; n--) {
    const text = names.slice(0, n).join(", ") + (n < names.length ? ` +${names.length - n} more` : "");
    if (text.length <= max) return text;
  }
  const first = names[0] ?? "";
  const rest = names.length > 1 ? ` +${names.length - 1} more` : "";
  if (first.length + rest.length <= max) return first + rest;
  return `${first.slice(0, Math.max(1, max - rest.length - 1))}…${rest}`;
}

function describe(row: StageCoverage): string {
  if (row.by.length === 0) return `${row.stage}: gap (nothing covers it)`;
  return `${row.stage}: ${row.by.map((b) => `${b.path} (${b.level})`).join(", ")}`;
}

function stageOf(byStage: ReadonlyMap<CanonicalStage, StageCoverage>, stage: CanonicalStage): StageCoverage {
  return byStage.get(stage) ?? { stage, level: "none", by: [] };
}

function columnX(i: number): number {
  return MARGIN + i * (COL_W + COL_GAP);
}

function maxBoxes(): number {
  return Math.max(...PHASES.map((p) => p.stages.length));
}

// Two decimals at most, so the output does not depend on float printing of long fractions.
function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

// Ids unique per stack, so several pictures can sit in one HTML page.
function idPrefix(name: string): string {
  return `mlstack-coverage-${name.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`;
}
