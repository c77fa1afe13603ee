import { MlstackError } from "@mlstack/core";
import { decodeManifest, type FileEntry } from "./object-codec.js";
import type { ObjectReader } from "./object-reader.js";

/**
 * Streams a file's bytes. Every chunk is verified against its digest before it is yielded, and the
 * manifest is bound to the tree by its digest, so a reader never sees a wrong byte: a mismatch is
 * `DATA_CORRUPTION`. The next chunk is fetched while the caller handles the current one.
 */
export async function* readFile(
  reader: ObjectReader,
  entry: Pick<FileEntry, "digest" | "manifest" | "size">,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  if (entry.manifest === undefined) {
    yield await reader.get(entry.digest, "file");
    return;
  }
  const chunks = decodeManifest(await reader.get(entry.manifest, "manifest"), entry.manifest);
  let next: Promise<Uint8Array> | undefined = chunks[0] ? reader.get(chunks[0][0], "chunk") : undefined;
  for (let i = 0; next !== undefined; i++) {
    if (signal?.aborted) throw new MlstackError("CANCELLED", "the read was aborted", { cause: signal.reason });
    const current: Uint8Array = await next;
    const following = chunks[i + 1];
    next = following ? reader.get(following[0], "chunk") : undefined;
    // Keep a rejected prefetch from being reported as unhandled if the caller stops early.
    next?.catch(() => {});
    yield current;
  }
}
