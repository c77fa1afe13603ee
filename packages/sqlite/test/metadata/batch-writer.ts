// A child process for the crash and two-writer tests: logs batches to one run until it has written
// `count` of them (or forever), printing "batch <i>" after each commit. Batch i holds 1000 metric
// points (keys m0..m99 at steps 10i..10i+9), param p<i> and tag t<i>, so a reader can tell whole from partial.
import { createSqliteMetadataStore } from "../../src/metadata/index.js";

const [filename, runId, countText, offsetText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);
const offset = Number(offsetText);
const store = createSqliteMetadataStore({ filename, busyTimeoutMs: 20_000 });
for (let i = offset; count <= 0 || i < offset + count; i++) {
  const metrics = [];
  for (let k = 0; k < 100; k++)
    for (let s = 0; s < 10; s++) metrics.push({ key: `m${k}`, value: i + s / 10, step: i * 10 + s });
  await store.logBatch(runId, {
    metrics,
    params: [{ key: `p${i}`, value: String(i) }],
    tags: [{ key: `t${i}`, value: "x" }],
  });
  process.stdout.write(`batch ${i}\n`);
}
await store.stop();
