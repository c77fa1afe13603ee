import { MlstackError, toMlstackError } from "@mlstack/core";
import type { ObjectStorage, StoredObject } from "../storage/spec.js";

// Big enough that a pack amortizes its fsyncs over many small files, small enough that two batches stay
// well under 100 MB.
const FLUSH_BYTES = 16 * 1024 * 1024;
// A batch of big chunks (a streamed file) flushes sooner: per byte its packs cost little, and the two
// batches held while one is written are most of a big file's memory (peak RSS committing 1 GiB).
const FLUSH_BYTES_BIG = 8 * 1024 * 1024;
const SMALL_OBJECT = 16 * 1024;

/**
 * Batches object writes into large `put` calls (a filesystem backend writes one pack per batch), with
 * one batch in flight while the next fills, so hashing and writing overlap. Memory stays near two batches.
 */
export class ObjectWriter {
  readonly #storage: ObjectStorage;
  #batch: StoredObject[] = [];
  #batchBytes = 0;
  #batchBigBytes = 0;
  // Digests already queued or written by this writer, to store repeated content once.
  readonly #seen = new Set<string>();
  #inFlight: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(storage: ObjectStorage) {
    this.#storage = storage;
  }

  /**
   * Queues an object; resolves when the queue has room again. Unless `owned` (nobody else holds the
   * buffer), the bytes are copied: a caller may reuse its buffer once the call resolves.
   */
  async add(digest: string, bytes: Uint8Array, owned = false): Promise<void> {
    if (this.#failure !== undefined) throw this.#failed();
    if (this.#seen.has(digest)) return;
    this.#seen.add(digest);
    // Asking storage costs more than rewriting a small object (a backend ignores duplicates anyway).
    if (bytes.length >= SMALL_OBJECT && (await this.#storage.has(digest))) return;
    this.#batch.push({ digest, bytes: owned ? bytes : new Uint8Array(bytes) });
    this.#batchBytes += bytes.length;
    if (bytes.length >= SMALL_OBJECT) this.#batchBigBytes += bytes.length;
    if (this.#batchBytes >= FLUSH_BYTES || this.#batchBigBytes >= FLUSH_BYTES_BIG) await this.#flushBatch();
  }

  async #flushBatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#batchBigBytes = 0;
    await this.#inFlight;
    if (this.#failure !== undefined) throw this.#failed();
    this.#inFlight = this.#storage.put(batch).catch((error: unknown) => {
      this.#failure = error;
    });
  }

  #failed(): MlstackError {
    return new MlstackError("UNAVAILABLE", "writing objects to storage failed", {
      cause: this.#failure,
      retryable: true,
    });
  }

  /** Writes everything queued; when it resolves every added object is durable. */
  async flush(): Promise<void> {
    if (this.#batch.length > 0) await this.#flushBatch();
    await this.#inFlight;
    if (this.#failure !== undefined) throw toMlstackError(this.#failed());
  }
}
