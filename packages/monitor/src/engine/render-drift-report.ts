import type { DriftResult } from "../spec.js";
import type { ColumnDrift, DriftHistogram } from "./column-drift.js";

/** Options of {@link renderDriftReport}. */
export interface DriftReportOptions {
  /** The page title; default "Drift report: <deployment>". */
  title?: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

const fmt = (x: number | undefined) =>
  x === undefined || Number.isNaN(x)
    ? "–"
    : Math.abs(x) !== 0 && Math.abs(x) < 1e-3
      ? x.toExponential(3)
      : x.toFixed(4);

const REF_COLOR = "#4c78a8";
const CUR_COLOR = "#f58518";

/** An inline SVG of grouped bars: reference against current proportions per bin or category. */
function histogramSvg(column: string, h: DriftHistogram): string {
  const width = 480;
  const height = 180;
  const pad = 24;
  const n = Math.max(1, h.labels.length);
  const max = Math.max(1e-12, ...h.reference, ...h.current);
  const slot = (width - 2 * pad) / n;
  const bar = Math.max(1, slot / 2 - 1);
  const y = (p: number) => height - pad - (p / max) * (height - 2 * pad);
  const bars = h.labels
    .map((label, i) => {
      const x = pad + i * slot;
      const r = h.reference[i] ?? 0;
      const c = h.current[i] ?? 0;
      return (
        `<rect x="${x.toFixed(1)}" y="${y(r).toFixed(1)}" width="${bar.toFixed(1)}" height="${(height - pad - y(r)).toFixed(1)}" fill="${REF_COLOR}"><title>${escapeHtml(label)} reference ${(r * 100).toFixed(1)}%</title></rect>` +
        `<rect x="${(x + bar).toFixed(1)}" y="${y(c).toFixed(1)}" width="${bar.toFixed(1)}" height="${(height - pad - y(c)).toFixed(1)}" fill="${CUR_COLOR}"><title>${escapeHtml(label)} current ${(c * 100).toFixed(1)}%</title></rect>`
      );
    })
    .join("");
  const first = escapeHtml(h.labels[0] ?? "");
  const last = escapeHtml(h.labels.at(-1) ?? "");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="histogram of ${escapeHtml(column)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#888"/>${bars}` +
    `<text x="${pad}" y="${height - 6}" font-size="10">${first}</text>` +
    `<text x="${width - pad}" y="${height - 6}" font-size="10" text-anchor="end">${last}</text></svg>`
  );
}

// A KS statistic from sketches is an interval: the exact value lies between its bounds.
function ksCell(c: ColumnDrift): string {
  const bounds = c.bounds?.ksStatistic;
  return bounds ? `${fmt(bounds[0])} – ${fmt(bounds[1])}` : fmt(c.statistics.ksStatistic);
}

function row(c: ColumnDrift): string {
  const s = c.statistics;
  return (
    `<tr class="${c.status}"><td>${escapeHtml(c.column)}</td><td>${c.kind}</td><td>${c.method}</td>` +
    `<td>${fmt(c.score)}</td><td>${fmt(c.pValue)}</td><td>${fmt(c.threshold)}</td>` +
    `<td>${ksCell(c)}</td><td>${fmt(s.chi2Statistic)}</td><td>${fmt(s.psi)}</td><td>${fmt(s.jensenShannon)}</td>` +
    `<td>${fmt(s.wassersteinNormalized)}</td><td>${c.referenceSize}</td><td>${c.currentSize}</td>` +
    `<td class="verdict">${c.status}</td></tr>`
  );
}

/**
 * Renders a drift result as one self-contained HTML page (no scripts, no external resources): the
 * data-set verdict, the statistics table with each column's verdict, and per-column histograms of
 * reference against current as inline SVG.
 */
export function renderDriftReport(result: DriftResult, options: DriftReportOptions = {}): string {
  const w = result.window;
  const title = options.title ?? `Drift report: ${w.deployment}`;
  const d = result.dataset;
  const columns = result.columns
    .map(
      (c) =>
        `<section class="column" id="col-${escapeHtml(c.column)}"><h3>${escapeHtml(c.column)} <span class="${c.status}">${c.status}</span></h3>` +
        `${histogramSvg(c.column, c.histogram)}</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.drift{color:#b00020;font-weight:600}.no-drift{color:#1b7f3b}
.insufficient-data{color:#777}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Window ${new Date(w.start).toISOString()} to ${new Date(w.end).toISOString()}, computed from ${result.source} data against a reference of ${result.reference.rows} rows${result.reference.lineage.length ? ` (training set ${escapeHtml(result.reference.lineage.map((r) => r.id).join(", "))})` : ""}.</p>
<p id="dataset-verdict" class="${d.status}">Data set: ${d.status}, ${d.driftedColumns.length} of ${d.evaluatedColumns} columns drifted (${d.correction} correction at level ${d.level}).</p>
<table id="statistics"><thead><tr><th>column</th><th>kind</th><th>method</th><th>score</th><th>p-value</th><th>threshold</th><th>KS D</th><th>chi²</th><th>PSI</th><th>JS distance</th><th>Wasserstein / std</th><th>reference n</th><th>current n</th><th>verdict</th></tr></thead>
<tbody>
${result.columns.map(row).join("\n")}
</tbody></table>
<p class="legend"><span style="background:${REF_COLOR}"></span>reference<span style="background:${CUR_COLOR}"></span>current</p>
${columns}
</body></html>
`;
}
