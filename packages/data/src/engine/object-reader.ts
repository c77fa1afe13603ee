import { MlstackError } from "@mlstack/core";
import type { ObjectStorage } from "../storage/spec.js";
import { decodeTree, digestOf, type TreeEntry } from "./object-codec.js";

const TREE_CACHE_ENTRIES = 500_000;

/**
 * Reads objects and verifies every one against its digest (`DATA_CORRUPTION` on mismatch, `NOT_FOUND`
 * never: a missing reachable object is `DATA_CORRUPTION` too). Decoded trees are kept in a bounded
 * per-engine cache keyed by digest, so repeated diffs and lookups skip decoding; immutable, so never stale.
 */
export class ObjectReader {
  readonly #storage: ObjectStorage;
  readonly #trees = new Map<string, TreeEntry[]>();
  #cachedEntries = 0;

  constructor(storage: ObjectStorage) {
    this.#storage = storage;
  }

  /** The verified bytes of an object. */
  async get(digest: string, what: string): Promise<Uint8Array> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#storage.get(digest);
    } catch (error) {
      throw new MlstackError("UNAVAILABLE", `cannot read ${what} ${digest}`, { cause: error, retryable: true });
    }
    if (bytes === undefined) {
      throw new MlstackError("DATA_CORRUPTION", `${what} ${digest} is missing from storage`, {
        details: { digest, problem: "missing" },
      });
    }
    const actual = digestOf(bytes);
    if (actual !== digest) {
      throw new MlstackError("DATA_CORRUPTION", `${what} ${digest} does not match its digest`, {
        details: { digest, actual, problem: "corrupt" },
      });
    }
    return bytes;
  }

  /** The decoded entries of a tree, sorted by name. */
  async tree(digest: string): Promise<TreeEntry[]> {
    const cached = this.#trees.get(digest);
    if (cached) {
      // Refresh its place in the insertion order: a cheap LRU.
      this.#trees.delete(digest);
      this.#trees.set(digest, cached);
      return cached;
    }
    const entries = decodeTree(await this.get(digest, "tree"), digest);
    this.#trees.set(digest, entries);
    this.#cachedEntries += entries.length + 1;
    for (const [key, value] of this.#trees) {
      if (this.#cachedEntries <= TREE_CACHE_ENTRIES) break;
      this.#trees.delete(key);
      this.#cachedEntries -= value.length + 1;
    }
    return entries;
  }
}
