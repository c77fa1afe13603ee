import { hashValue, MlstackError } from "@mlstack/core";

/**
 * Encodes the offset of the next page with a fingerprint of the query, so a token replayed with a
 * different query is refused rather than silently skipping results.
 */
export function encodePageToken(query: unknown, offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, q: hashValue(query).slice(0, 16) })).toString("base64url");
}

/** The offset a token encodes (0 without a token); `INVALID_ARGUMENT` for a malformed or foreign token. */
export function decodePageToken(query: unknown, token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown; q?: unknown };
    if (Number.isSafeInteger(parsed.o) && (parsed.o as number) >= 0 && parsed.q === hashValue(query).slice(0, 16)) {
      return parsed.o as number;
    }
  } catch {
    // Falls through to the error below.
  }
  throw new MlstackError("INVALID_ARGUMENT", "the page token does not belong to this query", {
    details: { pageToken: token },
  });
}
