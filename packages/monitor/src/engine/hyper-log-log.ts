import { MlstackError } from "@mlstack/core";

/** The serialized form of a {@link HyperLogLog}: precision and base64 registers. */
export interface HyperLogLogData {
  precision: number;
  registers: string;
}

// murmur3's 32-bit finalizer: spreads every input bit over the output.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A HyperLogLog distinct-count estimate (Flajolet et al. 2007) with 2^precision registers, 32-bit
 * hashes and linear counting for small cardinalities. Standard error ≈ 1.04/√(2^precision) (1.6% at
 * the default precision 12) for cardinalities well below 2^32. Merging takes the register-wise
 * maximum, so it is exactly associative and commutative.
 */
export class HyperLogLog {
  readonly precision: number;
  readonly registers: Uint8Array;
  readonly #scratch = new Float64Array(1);
  readonly #words = new Uint32Array(this.#scratch.buffer);

  constructor(precision = 12) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) {
      throw new MlstackError("INVALID_ARGUMENT", `HyperLogLog precision must be an integer in 4..16, got ${precision}`);
    }
    this.precision = precision;
    this.registers = new Uint8Array(1 << precision);
  }

  #addHash(h: number): void {
    const index = h >>> (32 - this.precision);
    const rest = (h << this.precision) >>> 0;
    const rank = Math.min(Math.clz32(rest) + 1, 32 - this.precision + 1);
    if (rank > (this.registers[index] as number)) this.registers[index] = rank;
  }

  /** Adds a number (by its float64 bits; -0 counts as 0). */
  addNumber(x: number): void {
    this.#scratch[0] = x + 0;
    this.#addHash(fmix32(Math.imul(this.#words[0] as number, 0x9e3779b1) ^ (this.#words[1] as number)));
  }

  /** Adds a string (FNV-1a, then a finalizer). */
  addString(s: string): void {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.#addHash(fmix32(h));
  }

  /** The estimated number of distinct values added. */
  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = this.registers[i] as number;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
    return raw;
  }

  /** Takes the register-wise maximum with another sketch of the same precision. */
  merge(other: HyperLogLog): void {
    if (other.precision !== this.precision) {
      throw new MlstackError("INVALID_ARGUMENT", "cannot merge HyperLogLogs of different precision");
    }
    for (let i = 0; i < this.registers.length; i++) {
      if ((other.registers[i] as number) > (this.registers[i] as number))
        this.registers[i] = other.registers[i] as number;
    }
  }

  toJSON(): HyperLogLogData {
    return { precision: this.precision, registers: Buffer.from(this.registers).toString("base64") };
  }

  /** Rebuilds a sketch from {@link HyperLogLog.toJSON}. */
  static fromJSON(data: HyperLogLogData): HyperLogLog {
    const hll = new HyperLogLog(data.precision);
    const bytes = Buffer.from(data.registers, "base64");
    if (bytes.length !== hll.registers.length) {
      throw new MlstackError("DATA_CORRUPTION", "HyperLogLog registers do not match their precision");
    }
    hll.registers.set(bytes);
    return hll;
  }
}
