import { MlstackError, toMlstackError } from "@mlstack/core";
import type { ObjectStorage, StoredObject } from "../storage/spec.js";

// Big enough that a pack amortizes its fsyncs, small enough that two batches stay well under 100 MB.
const FLUSH_BYTES = 16 * 1024 * 1024;
const SMALL_OBJECT = 16 * 1024;

/**
 * Batches object writes into large `put` calls (a filesystem backend writes one pack per batch), with
 * one batch in flight while the next fills, so hashing and writing overlap. Memory stays near two batches.
 */
export class ObjectWriter {
  readonly #storage: ObjectStorage;
  #batch: StoredObject[] = [];
  #batchBytes = 0;
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
    if (this.#batchBytes >= FLUSH_BYTES) await this.#flushBatch();
  }

  async #flushBatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
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
