import type { CoverageMatrix } from "./coverage-matrix.js";
import { lighten } from "./coverage-palette.js";
import { escapeXml } from "./escape-xml.js";

/**
 * A self-contained HTML page (inline style, inline SVG, no script and no external asset) with the
 * coverage picture, a summary of the gaps and the matrix as a table coloured like the picture.
 */
export function renderCoverageHtml(matrix: CoverageMatrix, svg: string): string {
  const title = `Coverage of stack "${matrix.name}"`;
  const full = matrix.stages.filter((s) => s.level === "full").length;
  const head = matrix.columns
    .map(
      (c) =>
        `<th scope="col"><span class="swatch" style="background:${c.color}"></span>${escapeXml(c.path)}<br><small>${escapeXml(c.implementation)}</small></th>`,
    )
    .join("");
  const colors = new Map(matrix.columns.map((c) => [c.path, c.color]));
  const rows = matrix.stages.map((row) => {
    const cells = matrix.columns.map((c) => {
      const level = c.coverage[row.stage];
      if (level === undefined) return '<td class="none">·</td>';
      const color = colors.get(c.path) ?? "#ffffff";
      return `<td class="${level}" style="background:${level === "full" ? color : lighten(color)}">${level}</td>`;
    });
    const covered = row.level === "none" ? '<td class="gap">gap</td>' : `<td>${row.level}</td>`;
    return `<tr><th scope="row">${escapeXml(row.stage)}</th>${cells.join("")}${covered}</tr>`;
  });
  const list = (stages: readonly string[]) => (stages.length === 0 ? "none" : stages.map(escapeXml).join(", "));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222222; }
figure { margin: 0 0 24px 0; overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #cccccc; padding: 4px 10px; text-align: center; }
th[scope="row"] { text-align: left; }
td.full { color: #ffffff; font-weight: bold; }
td.none { color: #aaaaaa; }
td.gap { background: #eeeeee; color: #b00020; font-weight: bold; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border: 1px solid #444444; }
</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p>${full} of ${matrix.stages.length} canonical stages covered fully, ${matrix.partial.length} partly, ${matrix.gaps.length} not at all.</p>
<p><strong>gaps:</strong> ${list(matrix.gaps)}<br><strong>partial:</strong> ${list(matrix.partial)}</p>
<figure>
${svg.trimEnd()}
</figure>
<table>
<thead><tr><th scope="col">stage</th>${head}<th scope="col">covered</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</body>
</html>
`;
}
