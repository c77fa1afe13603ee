import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Where the runner module is. */
export interface RunnerLocation {
  readonly url: URL;
  /** True when the runner is TypeScript source. */
  readonly typescript: boolean;
}

/** Whether a thread or process must load TypeScript (through tsx, with the source condition) for this trainer. */
export function needsTypeScript(runner: RunnerLocation, trainerModule: string | undefined): boolean {
  return runner.typescript || /\.[cm]?ts$/.test(trainerModule ?? "");
}

/** The Node flag that resolves workspace packages to their TypeScript source. */
export const SOURCE_CONDITION = "--conditions=@mlstack/source";

function here(): string {
  // import.meta.url is empty in the CommonJS build, where __filename exists instead.
  return import.meta.url || pathToFileURL(__filename).href;
}

/**
 * Finds the runner: next to this file when running from TypeScript source, else in the package's
 * `dist/runtime/` (this file may be bundled into `dist/index.js` or `dist/testing/index.js`). Executors
 * call it once and keep the answer.
 */
export function locateRunner(): RunnerLocation {
  const self = here();
  let url: URL;
  if (self.endsWith(".ts")) {
    url = new URL("../runtime/runner.ts", self);
  } else {
    let dir = dirname(fileURLToPath(self));
    while (!isPackageRoot(dir)) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error("cannot find the @mlstack/training package root");
      dir = parent;
    }
    url = pathToFileURL(join(dir, "dist", "runtime", self.endsWith(".cjs") ? "runner.cjs" : "runner.js"));
  }
  return { url, typescript: url.pathname.endsWith(".ts") };
}

function isPackageRoot(dir: string): boolean {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return false;
  return (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === "@mlstack/training";
}
