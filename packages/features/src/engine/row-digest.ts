import { createHash } from "node:crypto";
import { canonicalJson } from "@mlstack/core";

// JSON keeps these exactly; everything else (bigints, bytes, NaN, -0, undefined, nested values) goes the
// canonical-JSON way.
function simple(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}

/**
 * A SHA-256 over a stream of rows, equal for equal rows whatever their key order. Consecutive rows of one
 * shape (the usual case) are hashed as one segment: a line naming the sorted keys, then the JSON array of
 * all their values in that order, made by one `JSON.stringify` call. A row with a value JSON would not
 * keep exactly is hashed alone as canonical JSON. This is several times cheaper than canonical JSON per row.
 */
export class RowDigest {
  readonly #hash = createHash("sha256");
  #keys: string[] = [];
  #sorted: string[] = [];
  #values: unknown[] = [];

  /** Adds a row; returns its keys when they differ from the previous row's (a new shape), else undefined. */
  add(row: object): readonly string[] | undefined {
    const record = row as Record<string, unknown>;
    const keys = Object.keys(row);
    let changed: string[] | undefined;
    if (keys.length !== this.#keys.length || keys.some((k, i) => k !== this.#keys[i])) {
      changed = this.#keys = keys;
      const sorted = [...keys].sort();
      // The same keys in another order continue the segment: the hash ignores key order.
      if (sorted.length !== this.#sorted.length || sorted.some((k, i) => k !== this.#sorted[i])) {
        this.flush();
        this.#sorted = sorted;
      }
    }
    const sorted = this.#sorted;
    let plain = true;
    for (let i = 0; i < sorted.length && plain; i++) plain = simple(record[sorted[i] as string]);
    if (plain) {
      for (let i = 0; i < sorted.length; i++) this.#values.push(record[sorted[i] as string]);
    } else {
      this.flush();
      this.#hash.update(`C${canonicalJson(row)}\n`);
    }
    return changed;
  }

  /** Feeds the buffered segment to the hash. */
  flush(): void {
    if (this.#values.length === 0) return;
    this.#hash.update(`K${JSON.stringify(this.#sorted)}\n${JSON.stringify(this.#values)}\n`);
    this.#values = [];
  }

  /** Hashes any other text (a header) into the digest. */
  update(text: string): void {
    this.flush();
    this.#hash.update(text);
  }

  digest(): string {
    this.flush();
    return this.#hash.digest("hex");
  }
}
