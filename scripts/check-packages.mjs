// Packs every publishable package (after `npm run build`) and checks the tarball the way a user's
// toolchain will see it: publint for package.json and file layout, are-the-types-wrong for the
// types that ESM, CJS and bundler resolution pick up. Exits non-zero on any problem.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const packagesDir = join(root, "packages");
const out = mkdtempSync(join(tmpdir(), "mlstack-pack-"));
let failed = 0;

for (const dir of readdirSync(packagesDir).sort()) {
  const pkgDir = join(packagesDir, dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  if (pkg.private) continue;
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], {
    cwd: pkgDir,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop();
  const file = join(out, tarball);
  for (const [label, cmd, args] of [
    ["publint", bin("publint"), ["run", file, "--strict"]],
    ["attw", bin("attw"), [file, "--profile", "node16", "--format", "table-flipped", "--no-emoji"]],
  ]) {
    try {
      execFileSync(cmd, args, { cwd: pkgDir, stdio: "pipe", encoding: "utf8" });
      console.log(`ok    ${pkg.name} ${label}`);
    } catch (error) {
      failed++;
      console.log(`FAIL  ${pkg.name} ${label}\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
  }
}
rmSync(out, { recursive: true, force: true });
if (failed > 0) {
  console.error(`${failed} packaging check(s) failed`);
  process.exit(1);
}
