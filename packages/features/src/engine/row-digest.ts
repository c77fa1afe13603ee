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
 * A SHA-256 over a stream of rows, equal for equal rows whatever their key order. Rows of one shape (the
 * usual case) hash as the JSON of their values in sorted-key order after one line naming the keys, which
 * is several times cheaper than canonical JSON per row.
 */
export class RowDigest {
  readonly #hash = createHash("sha256");
  #keys: string[] = [];
  #sorted: string[] = [];
  #lines: string[] = [];

  /** Adds a row; returns its keys when they differ from the previous row's (a new shape), else undefined. */
  add(row: object): readonly string[] | undefined {
    const keys = Object.keys(row);
    let changed: string[] | undefined;
    if (keys.length !== this.#keys.length || keys.some((k, i) => k !== this.#keys[i])) {
      changed = this.#keys = keys;
      this.#sorted = [...keys].sort();
      this.#lines.push(`K${JSON.stringify(this.#sorted)}`);
    }
    const values = new Array(this.#sorted.length);
    let plain = true;
    for (let i = 0; i < values.length; i++) {
      const value = (row as Record<string, unknown>)[this.#sorted[i] as string];
      plain &&= simple(value);
      values[i] = value;
    }
    this.#lines.push(plain ? JSON.stringify(values) : `C${canonicalJson(row)}`);
    return changed;
  }

  /** Feeds buffered rows to the hash; call once per batch. */
  flush(): void {
    if (this.#lines.length === 0) return;
    this.#hash.update(this.#lines.join("\n"));
    this.#hash.update("\n");
    this.#lines = [];
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
