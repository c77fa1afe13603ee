import { compileGlob } from "@mlstack/data";

/**
 * The resource a call names when it touches every resource of its kind (a listing, a health probe) or
 * when its arguments do not name one: only an unscoped grant, or one on `*` or `**`, covers it.
 */
export const ALL_RESOURCES = "*";

/**
 * Compiles the resource pattern of a grant. `*` and `?` match within one `/`-separated segment, `**`
 * any number of segments, `[abc]` one of the characters; the pattern must match the whole resource.
 * The patterns `*` and `**` alone grant every resource, {@link ALL_RESOURCES} included; any other
 * pattern never covers {@link ALL_RESOURCES} (a scoped grant cannot list everything).
 * A malformed pattern is `INVALID_ARGUMENT`.
 */
export function compileResourcePattern(pattern: string): (resource: string) => boolean {
  if (pattern === "*" || pattern === "**") return () => true;
  const glob = compileGlob(pattern);
  return (resource) => resource !== ALL_RESOURCES && glob(resource);
}
