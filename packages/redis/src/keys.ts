import type { Redis } from "ioredis";

/** Escapes the glob characters of Redis' MATCH patterns, so a literal prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * Deletes (UNLINK, freed in the background) every key matching `pattern` that `keep` does not keep,
 * scanning incrementally so the server is never blocked by one long KEYS call. Returns how many went.
 */
export async function deleteKeysMatching(
  client: Redis,
  pattern: string,
  keep: (key: string) => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    const doomed = keys.filter((key) => !keep(key));
    if (doomed.length > 0) deleted += await client.unlink(...doomed);
  } while (cursor !== "0");
  return deleted;
}
