import { createHash } from "node:crypto";
import { MlstackError } from "@mlstack/core";
import type { FileData } from "../spec.js";
import { type ChunkingOptions, chunkStream, findCut } from "./chunker.js";
import { encodeManifest, type FileEntry } from "./object-codec.js";
import type { ObjectWriter } from "./object-writer.js";

/** What a file write produces: the tree entry without its name. */
export type WrittenFile = Omit<FileEntry, "kind" | "name">;

async function* blocksOf(data: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> {
  for await (const block of data) {
    if (signal?.aborted) throw new MlstackError("CANCELLED", "the write was aborted", { cause: signal.reason });
    if (!(block instanceof Uint8Array)) {
      throw new MlstackError("INVALID_ARGUMENT", "a file stream must yield Uint8Array blocks");
    }
    yield block;
  }
}

/**
 * Splits a file into content-defined chunks, stores each chunk once, and returns its entry: the
 * SHA-256 of the whole file, its size, and for more than one chunk the digest of its chunk manifest.
 */
export async function writeFile(
  data: FileData,
  chunking: ChunkingOptions,
  writer: ObjectWriter,
  signal?: AbortSignal,
  owned = false,
): Promise<WrittenFile> {
  if (typeof data === "string" || data instanceof Uint8Array) {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const first = findCut(bytes, 0, bytes.length, chunking, true);
    if (first === bytes.length) {
      // One chunk (most small files): the file's digest is the chunk's, hashed once.
      const digest = createHash("sha256").update(bytes).digest("hex");
      await writer.add(digest, bytes, owned || typeof data === "string");
      return { digest, size: bytes.length };
    }
  } else if (data === null || typeof data !== "object" || !(Symbol.asyncIterator in data)) {
    throw new MlstackError("INVALID_ARGUMENT", "file data must be a Uint8Array, a string or an AsyncIterable");
  }
  const whole = createHash("sha256");
  const chunks: Array<[string, number]> = [];
  let size = 0;
  const addChunk = async (chunk: Uint8Array, ownedChunk: boolean) => {
    const digest = createHash("sha256").update(chunk).digest("hex");
    whole.update(chunk);
    size += chunk.length;
    chunks.push([digest, chunk.length]);
    await writer.add(digest, chunk, ownedChunk);
  };
  if (typeof data === "string" || data instanceof Uint8Array) {
    // Chunks of caller bytes are views, copied by the writer unless the bytes are owned.
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    let pos = 0;
    while (pos < bytes.length) {
      const cut = findCut(bytes, pos, bytes.length, chunking, true);
      await addChunk(bytes.subarray(pos, pos + cut), owned || typeof data === "string");
      pos += cut;
    }
  } else {
    // Chunks cut from a stream are views of fresh buffers nobody else holds.
    for await (const chunk of chunkStream(blocksOf(data, signal), chunking)) await addChunk(chunk, true);
  }
  const digest = whole.digest("hex");
  if (chunks.length <= 1) {
    // Empty or one chunk: stored under the file's own digest (the empty file is one empty object).
    if (chunks.length === 0) await writer.add(digest, new Uint8Array(0), true);
    return { digest, size };
  }
  const manifest = encodeManifest(chunks);
  const manifestDigest = createHash("sha256").update(manifest).digest("hex");
  await writer.add(manifestDigest, manifest, true);
  return { digest, size, manifest: manifestDigest };
}
