import type { DataStorage, ObjectStorage, RefEntry, RefStorage, StoredObject } from "./spec.js";

/** Objects in a Map. */
export class MemoryObjectStorage implements ObjectStorage {
  readonly #objects = new Map<string, Uint8Array>();

  async has(digest: string): Promise<boolean> {
    return this.#objects.has(digest);
  }

  async get(digest: string): Promise<Uint8Array | undefined> {
    return this.#objects.get(digest);
  }

  async put(objects: readonly StoredObject[]): Promise<void> {
    // Copied, so a caller reusing its buffer cannot change stored bytes.
    for (const o of objects) if (!this.#objects.has(o.digest)) this.#objects.set(o.digest, Uint8Array.from(o.bytes));
  }

  async *list(): AsyncIterable<string> {
    yield* [...this.#objects.keys()];
  }

  async delete(digests: readonly string[]): Promise<void> {
    for (const d of digests) this.#objects.delete(d);
  }

  /** Test hook: replaces the bytes stored under a digest, to check that corruption is detected. */
  corruptForTesting(digest: string, bytes: Uint8Array): void {
    this.#objects.set(digest, bytes);
  }
}

/** Refs in a Map; compare-and-swap is trivially atomic on one event loop. */
export class MemoryRefStorage implements RefStorage {
  readonly #refs = new Map<string, string>();

  async get(name: string): Promise<string | undefined> {
    return this.#refs.get(name);
  }

  async cas(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    if (this.#refs.get(name) !== expected) return false;
    if (next === undefined) this.#refs.delete(name);
    else this.#refs.set(name, next);
    return true;
  }

  async list(prefix: string): Promise<RefEntry[]> {
    return [...this.#refs]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value }));
  }
}

/** The in-memory storage: fast, isolated per instance, gone with the process. */
export class MemoryDataStorage implements DataStorage {
  readonly name = "memory";
  readonly persistent = false;
  readonly objects = new MemoryObjectStorage();
  readonly refs = new MemoryRefStorage();

  async close(): Promise<void> {}
}
