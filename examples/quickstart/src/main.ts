// The quickstart ML loop on embedded backends: `npm start` at the repository root runs it, and
// `npm start -- --keep` keeps the bricks' files and the reports under `.mlstack/` in the cwd.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runQuickstart } from "./loop.js";
import { STACK_FILES } from "./open-stack.js";

export { type QuickstartFiles, type QuickstartOptions, type QuickstartResult, runQuickstart } from "./loop.js";

// What a previous `--keep` run left in `.mlstack/`; only these are replaced, nothing else there is touched.
const KEPT = [
  ...STACK_FILES,
  "metadata.db.artifacts",
  "drift-report.html",
  "coverage.html",
  "coverage.svg",
  "lineage.mmd",
];

async function main(argv: string[]): Promise<void> {
  const keep = argv.includes("--keep");
  let folder: string | undefined;
  if (keep) {
    folder = join(process.cwd(), ".mlstack");
    await mkdir(folder, { recursive: true });
    for (const name of KEPT) {
      for (const suffix of ["", "-wal", "-shm"])
        await rm(join(folder, name + suffix), { recursive: true, force: true });
    }
  }
  await runQuickstart({ keep, ...(folder === undefined ? {} : { folder }) });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
