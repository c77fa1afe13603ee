import { readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { dirname, join } from "node:path";

const SPECIFIER =
  /(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']|require\s*\(\s*["']([^"']+)["']\s*\)/g;

/** The package names a module's source imports (bare specifiers; Node built-ins and relative paths left out). */
export function importedPackages(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(SPECIFIER)) {
    const specifier = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (!specifier || specifier.startsWith(".") || specifier.startsWith("/") || isBuiltin(specifier)) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string));
  }
  return [...names].sort();
}

interface Lockfile {
  packages?: Record<string, { version?: string; resolved?: string; link?: boolean }>;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/**
 * The versions of the packages the module at `file` imports: from the nearest `package-lock.json` when
 * there is one (following workspace links), else from each package's installed `package.json`.
 * Packages that cannot be found are left out.
 */
export async function packageVersions(file: string, source: string): Promise<Record<string, string>> {
  const names = importedPackages(source);
  const versions: Record<string, string> = {};
  if (names.length === 0) return versions;
  const dirs: string[] = [];
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of dirs) {
    const lock = await readJson<Lockfile>(join(dir, "package-lock.json"));
    if (!lock?.packages) continue;
    for (const name of names) {
      let entry = lock.packages[`node_modules/${name}`];
      if (entry?.link && entry.resolved) entry = lock.packages[entry.resolved];
      if (entry?.version) versions[name] = entry.version;
    }
    break;
  }
  for (const name of names) {
    if (versions[name]) continue;
    for (const dir of dirs) {
      const manifest = await readJson<{ version?: string }>(join(dir, "node_modules", name, "package.json"));
      if (manifest?.version) {
        versions[name] = manifest.version;
        break;
      }
    }
  }
  return versions;
}
