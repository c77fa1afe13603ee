// Runs every bench/*.bench.ts (or those whose file name starts with an argument), prints one table and writes
// bench/results.json. Run with `npm run bench [-- name ...]`.
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Benchmark, type BenchRow, formatFigure } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((name) => f.startsWith(name)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}`);
  process.exit(1);
}

const results: Array<BenchRow & { file: string }> = [];
for (const file of files) {
  process.stderr.write(`running ${file} ...\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
  for (const row of await mod.default()) results.push({ file, ...row });
}

const table = results.map((r) => ({
  benchmark: r.benchmark,
  figure: `${formatFigure(r.value)} ${r.unit}`,
  baseline: `${formatFigure(r.baselineValue)} ${r.unit} (${r.baseline})`,
  ratio: r.ratio.toFixed(3),
  target: r.target ? `${r.target} ${r.met ? "met" : "NOT met"}` : "",
}));
const columns = ["benchmark", "figure", "baseline", "ratio", "target"] as const;
const widths = columns.map((c) => Math.max(c.length, ...table.map((row) => row[c].length)));
const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(" | ");
console.log(line(columns));
console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const row of table) console.log(line(columns.map((c) => row[c])));

const out = join(here, "results.json");
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, platform: `${process.platform}-${process.arch}`, results }, null, 2)}\n`,
);
console.error(`\nwrote ${out}`);
