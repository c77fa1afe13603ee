import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "tsup";

// One build for every package, run from the package's folder (`tsup --config ../../tsup.config.ts`).
// The entries are the source files named by the "@mlstack/source" condition of each public subpath,
// so adding a subpath to package.json "exports" is all a package needs to do.
type ExportTarget = string | { "@mlstack/source"?: string };
const pkg = JSON.parse(readFileSync(join(process.cwd(), "package.json"), "utf8")) as {
  exports: Record<string, ExportTarget>;
};
const entry: Record<string, string> = {};
for (const target of Object.values(pkg.exports)) {
  if (typeof target === "object" && target["@mlstack/source"]) {
    const src = target["@mlstack/source"];
    entry[src.replace(/^\.\/src\//, "").replace(/\.ts$/, "")] = src;
  }
}

export default defineConfig({
  entry,
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  splitting: false,
  treeshake: true,
  tsconfig: "tsconfig.json",
});
