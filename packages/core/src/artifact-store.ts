import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MlstackError } from "./errors.js";
import type { ArtifactRef } from "./refs.js";

/** Bytes to store: a buffer, or a stream of chunks (read once, never buffered whole by the file store). */
export type ArtifactData = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Content-addressed storage of artifact bytes, shared by every brick that writes or reads model files,
 * datasets and reports. Equal bytes give an equal ref and are stored once. Reads verify the digest.
 */
export interface ArtifactStore {
  /** Stores bytes and returns their ref (`digest` is `sha256:<hex>`). */
  put(data: ArtifactData): Promise<ArtifactRef>;
  /** The bytes of a ref; `NOT_FOUND` when absent, `DATA_CORRUPTION` when they do not match the digest. */
  get(ref: ArtifactRef): Promise<Uint8Array>;
  /** The bytes of a ref as a stream of chunks, verified at the end (a mismatch throws `DATA_CORRUPTION`). */
  stream(ref: ArtifactRef): AsyncIterable<Uint8Array>;
  /** Whether the bytes of a ref are stored. */
  has(ref: ArtifactRef): Promise<boolean>;
  /** Removes the bytes of a ref; removing absent bytes is not an error. */
  delete(ref: ArtifactRef): Promise<void>;
}

function hexOf(ref: ArtifactRef): string {
  return ref.digest.slice("sha256:".length);
}

function corrupted(ref: ArtifactRef, actual: string, size: number): MlstackError {
  return new MlstackError("DATA_CORRUPTION", `artifact ${ref.uri} does not match its digest`, {
    details: { expected: ref.digest, actual: `sha256:${actual}`, expectedSize: ref.size, actualSize: size },
  });
}

async function* chunksOf(data: ArtifactData): AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data;
}

/** An in-memory artifact store, for tests and throwaway stacks. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly #blobs = new Map<string, Uint8Array>();

  async put(data: ArtifactData): Promise<ArtifactRef> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunksOf(data)) parts.push(Uint8Array.from(chunk));
    const bytes = Buffer.concat(parts);
    const hex = createHash("sha256").update(bytes).digest("hex");
    if (!this.#blobs.has(hex)) this.#blobs.set(hex, new Uint8Array(bytes));
    return { kind: "artifact", uri: `mem://sha256/${hex}`, digest: `sha256:${hex}`, size: bytes.length };
  }

  async get(ref: ArtifactRef): Promise<Uint8Array> {
    const bytes = this.#blobs.get(hexOf(ref));
    if (!bytes) throw new MlstackError("NOT_FOUND", `no artifact ${ref.digest}`, { details: { ref } });
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== hexOf(ref) || bytes.length !== ref.size) throw corrupted(ref, actual, bytes.length);
    return Uint8Array.from(bytes);
  }

  async *stream(ref: ArtifactRef): AsyncIterable<Uint8Array> {
    yield await this.get(ref);
  }

  async has(ref: ArtifactRef): Promise<boolean> {
    return this.#blobs.has(hexOf(ref));
  }

  async delete(ref: ArtifactRef): Promise<void> {
    this.#blobs.delete(hexOf(ref));
  }

  /** Test hook: replaces the stored bytes of a ref, to check that corruption is detected. */
  corruptForTesting(ref: ArtifactRef, bytes: Uint8Array): void {
    this.#blobs.set(hexOf(ref), bytes);
  }
}

/**
 * An artifact store in a local folder: `<root>/sha256/<2 hex>/<62 hex>`. Writes go to a temporary file
 * that is fsynced and renamed into place, so a crash never leaves a partial artifact under its digest.
 */
export class LocalArtifactStore implements ArtifactStore {
  /** The absolute root folder. */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  #path(hex: string): string {
    return join(this.root, "sha256", hex.slice(0, 2), hex.slice(2));
  }

  async put(data: ArtifactData): Promise<ArtifactRef> {
    const tmpDir = join(this.root, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${process.pid}-${randomUUID()}`);
    const hash = createHash("sha256");
    let size = 0;
    const handle = await open(tmp, "w");
    try {
      for await (const chunk of chunksOf(data)) {
        hash.update(chunk);
        size += chunk.length;
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(tmp, { force: true });
      throw error;
    }
    await handle.close();
    const hex = hash.digest("hex");
    const target = this.#path(hex);
    await mkdir(dirname(target), { recursive: true });
    await rename(tmp, target);
    return { kind: "artifact", uri: pathToFileURL(target).href, digest: `sha256:${hex}`, size };
  }

  #locate(ref: ArtifactRef): string {
    return ref.uri.startsWith("file:") ? fileURLToPath(ref.uri) : this.#path(hexOf(ref));
  }

  async get(ref: ArtifactRef): Promise<Uint8Array> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#locate(ref));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new MlstackError("NOT_FOUND", `no artifact ${ref.digest}`, { details: { ref } });
      }
      throw new MlstackError("UNAVAILABLE", `cannot read artifact ${ref.uri}`, { cause: error });
    }
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== hexOf(ref) || bytes.length !== ref.size) throw corrupted(ref, actual, bytes.length);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async *stream(ref: ArtifactRef): AsyncIterable<Uint8Array> {
    const path = this.#locate(ref);
    if (!(await this.has(ref))) throw new MlstackError("NOT_FOUND", `no artifact ${ref.digest}`, { details: { ref } });
    const hash = createHash("sha256");
    let size = 0;
    // Chunks are handed out as they are read; the digest is checked when the stream ends.
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    const actual = hash.digest("hex");
    if (actual !== hexOf(ref) || size !== ref.size) throw corrupted(ref, actual, size);
  }

  async has(ref: ArtifactRef): Promise<boolean> {
    try {
      await stat(this.#locate(ref));
      return true;
    } catch {
      return false;
    }
  }

  async delete(ref: ArtifactRef): Promise<void> {
    await rm(this.#locate(ref), { force: true });
  }
}
