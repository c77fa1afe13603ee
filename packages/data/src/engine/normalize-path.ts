import { MlstackError } from "@mlstack/core";

/**
 * Checks a repo path `a/b/c`: absolute paths, `..`, `.`, empty segments, backslashes and NUL bytes are
 * `INVALID_ARGUMENT`. With `directory` (a prefix), "" means the root and one trailing slash is dropped.
 */
export function normalizePath(path: string, options: { directory?: boolean } = {}): string {
  const bad = (why: string) =>
    new MlstackError("INVALID_ARGUMENT", `invalid path ${JSON.stringify(path)}: ${why}`, { details: { path } });
  if (typeof path !== "string") throw bad("not a string");
  if (path.includes("\0")) throw bad("contains a NUL byte");
  if (path.includes("\\")) throw bad("contains a backslash");
  if (path.startsWith("/")) throw bad("absolute paths are not allowed");
  const p = options.directory && path.endsWith("/") ? path.slice(0, -1) : path;
  if (p === "") {
    if (options.directory && path === "") return "";
    throw bad("empty");
  }
  for (const segment of p.split("/")) {
    if (segment === "") throw bad("empty segment");
    if (segment === "." || segment === "..") throw bad(`"${segment}" segment`);
  }
  return p;
}

/** The segments of a normalized path ("" has none). */
export function pathSegments(path: string): string[] {
  return path === "" ? [] : path.split("/");
}
