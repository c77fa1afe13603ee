/**
 * The storage SPI of the DataEngine: what a persistent backend implements. The engine owns every rule
 * (paths, commits, merge, verification); a backend only keeps bytes by digest and named refs.
 */

/** One object to store: its bytes and the lowercase hex SHA-256 of exactly those bytes. */
export interface StoredObject {
  readonly digest: string;
  readonly bytes: Uint8Array;
}

/**
 * Immutable objects addressed by the hex SHA-256 of their bytes. The engine verifies digests on read,
 * so a backend need not; it must never return bytes of another digest on purpose.
 */
export interface ObjectStorage {
  /** Whether an object is stored. A false negative is allowed (it only costs a duplicate write). */
  has(digest: string): Promise<boolean>;
  /** The bytes of an object, or `undefined` when it is absent. */
  get(digest: string): Promise<Uint8Array | undefined>;
  /** Stores a batch of objects; when it resolves they are durable. Storing a present object is a no-op. */
  put(objects: readonly StoredObject[]): Promise<void>;
  /** Every stored digest. */
  list(): AsyncIterable<string>;
  /** Removes objects; removing an absent one is not an error. */
  delete(digests: readonly string[]): Promise<void>;
}

/** One named ref and its value. */
export interface RefEntry {
  readonly name: string;
  readonly value: string;
}

/**
 * Named refs (branch heads, caches, pipeline states) with atomic compare-and-swap, across processes for
 * a persistent backend. Kept apart from objects so that refs can live elsewhere (a database).
 */
export interface RefStorage {
  /** The value of a ref, or `undefined` when it does not exist. */
  get(name: string): Promise<string | undefined>;
  /**
   * Sets `name` to `next` (or deletes it when `next` is undefined) only if its value is `expected`
   * (`undefined`: the ref must not exist). Resolves true when it swapped, false when the value differed.
   */
  cas(name: string, expected: string | undefined, next: string | undefined): Promise<boolean>;
  /** Every ref whose name starts with `prefix`, sorted by name. */
  list(prefix: string): Promise<RefEntry[]>;
}

/** A storage backend: objects plus refs. */
export interface DataStorage {
  /** A short name for the backend, e.g. `memory` or `filesystem`. */
  readonly name: string;
  /** Whether data survives the process. */
  readonly persistent: boolean;
  readonly objects: ObjectStorage;
  readonly refs: RefStorage;
  /** Releases file handles or connections; idempotent. */
  close(): Promise<void>;
}
