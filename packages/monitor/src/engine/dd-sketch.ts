import { MlstackError } from "@mlstack/core";

/** The serialized form of a {@link DDSketch}. */
export interface DDSketchData {
  /** Relative accuracy α of every quantile. */
  alpha: number;
  /** The most bins each sign keeps before the smallest magnitudes are collapsed. */
  maxBins: number;
  /** Count of values with |x| below the smallest indexable magnitude. */
  zeros: number;
  /** Bins of positive values: the key of the first count, then the counts of consecutive keys. */
  positive: { offset: number; counts: number[] };
  /** Bins of negative values, keyed by magnitude. */
  negative: { offset: number; counts: number[] };
}

// Magnitudes below this are counted as zero: their logarithm would need an unbounded range of keys.
const MIN_MAGNITUDE = 1e-12;

// Counts of consecutive keys, grown on demand. At most maxBins keys stay distinct: keys below
// maxKey − maxBins + 1 are collapsed into the lowest kept key (DDSketch's bounded store).
class BinStore {
  counts = new Float64Array(0);
  offset = 0;
  minKey = Number.POSITIVE_INFINITY;
  maxKey = Number.NEGATIVE_INFINITY;
  constructor(readonly maxBins: number) {}

  add(key: number, count: number): void {
    if (key > this.maxKey || key < this.minKey) this.#extend(key);
    const i = Math.max(key, this.minKey) - this.offset;
    this.counts[i] = (this.counts[i] as number) + count;
  }

  #extend(key: number): void {
    const hi = Math.max(this.maxKey, key);
    const lo = Math.max(Math.min(this.minKey, key), hi - this.maxBins + 1);
    const collapses = lo > this.minKey;
    if (!collapses && lo >= this.offset && hi < this.offset + this.counts.length) {
      this.minKey = lo;
      this.maxKey = hi;
      return;
    }
    const span = hi - lo + 1;
    const capacity = Math.min(this.maxBins, Math.max(64, 2 * span));
    const start = lo - Math.floor((capacity - span) / 2);
    const next = new Float64Array(capacity);
    for (let k = this.minKey; k <= this.maxKey; k++) {
      const c = this.counts[k - this.offset] as number;
      if (c) next[Math.max(k, lo) - start] = (next[Math.max(k, lo) - start] as number) + c;
    }
    this.counts = next;
    this.offset = start;
    this.minKey = lo;
    this.maxKey = hi;
  }

  get(key: number): number {
    return key < this.offset || key >= this.offset + this.counts.length
      ? 0
      : (this.counts[key - this.offset] as number);
  }

  toJSON(): { offset: number; counts: number[] } {
    if (this.maxKey < this.minKey) return { offset: 0, counts: [] };
    return {
      offset: this.minKey,
      counts: Array.from(this.counts.subarray(this.minKey - this.offset, this.maxKey - this.offset + 1)),
    };
  }
}

/**
 * A DDSketch (Masson, Rim and Lee 2019): a quantile sketch with relative accuracy α. Every quantile it
 * returns is within a factor (1 ± α) of the exact quantile of the values added, as long as the
 * magnitudes span fewer than `maxBins` bins per sign (≈ 2·α per bin: 2048 bins at α = 0.01 cover 18
 * orders of magnitude). Merging adds bin counts, so it is exactly associative and commutative.
 */
export class DDSketch {
  readonly alpha: number;
  readonly maxBins: number;
  readonly gamma: number;
  readonly #multiplier: number;
  #positive: BinStore;
  #negative: BinStore;
  #zeros = 0;
  #count = 0;

  constructor(options: { alpha?: number; maxBins?: number } = {}) {
    this.alpha = options.alpha ?? 0.01;
    this.maxBins = options.maxBins ?? 2048;
    if (!(this.alpha > 0 && this.alpha < 1)) {
      throw new MlstackError("INVALID_ARGUMENT", `sketch accuracy must be in (0, 1), got ${this.alpha}`);
    }
    this.gamma = (1 + this.alpha) / (1 - this.alpha);
    this.#multiplier = 1 / Math.log(this.gamma);
    this.#positive = new BinStore(this.maxBins);
    this.#negative = new BinStore(this.maxBins);
  }

  /** How many values were added. */
  get count(): number {
    return this.#count;
  }

  /** The bin key of a magnitude ≥ MIN_MAGNITUDE. */
  key(magnitude: number): number {
    return Math.ceil(Math.log(magnitude) * this.#multiplier);
  }

  /** Adds a finite value. */
  add(x: number): void {
    this.#count++;
    if (x >= MIN_MAGNITUDE) this.#positive.add(Math.ceil(Math.log(x) * this.#multiplier), 1);
    else if (x <= -MIN_MAGNITUDE) this.#negative.add(Math.ceil(Math.log(-x) * this.#multiplier), 1);
    else this.#zeros++;
  }

  /** The value at quantile q ∈ [0, 1] (rank ⌊q·(n−1)⌋), within relative accuracy α; NaN when empty. */
  quantile(q: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.floor(q * (this.#count - 1));
    let seen = 0;
    for (const bin of this.bins()) {
      seen += bin.count;
      if (seen > rank) return bin.value;
    }
    return this.bins().at(-1)?.value ?? Number.NaN;
  }

  /**
   * The non-empty bins in ascending order of value: each with its bounds (lower exclusive, upper
   * inclusive, in value terms), its count and a representative value within relative α of its members.
   */
  bins(): { lower: number; upper: number; value: number; count: number; id: string }[] {
    const out: { lower: number; upper: number; value: number; count: number; id: string }[] = [];
    const neg = this.#negative.toJSON();
    for (let i = neg.counts.length - 1; i >= 0; i--) {
      const c = neg.counts[i] as number;
      if (c === 0) continue;
      const k = neg.offset + i;
      out.push({ ...this.#bounds(k, -1), count: c, id: `n${k}` });
    }
    if (this.#zeros > 0) {
      out.push({ lower: -MIN_MAGNITUDE, upper: MIN_MAGNITUDE, value: 0, count: this.#zeros, id: "z" });
    }
    const pos = this.#positive.toJSON();
    for (let i = 0; i < pos.counts.length; i++) {
      const c = pos.counts[i] as number;
      if (c === 0) continue;
      const k = pos.offset + i;
      out.push({ ...this.#bounds(k, 1), count: c, id: `p${k}` });
    }
    return out;
  }

  #bounds(k: number, sign: 1 | -1): { lower: number; upper: number; value: number } {
    const hi = this.gamma ** k;
    const lo = hi / this.gamma;
    const value = (2 * hi) / (this.gamma + 1);
    return sign > 0 ? { lower: lo, upper: hi, value } : { lower: -hi, upper: -lo, value: -value };
  }

  /** Adds another sketch's counts; both must have the same α. */
  merge(other: DDSketch): void {
    if (other.alpha !== this.alpha) {
      throw new MlstackError("INVALID_ARGUMENT", `cannot merge sketches of accuracy ${this.alpha} and ${other.alpha}`);
    }
    const data = other.toJSON();
    this.#mergeData(data);
  }

  #mergeData(data: DDSketchData): void {
    for (const [store, part] of [
      [this.#positive, data.positive],
      [this.#negative, data.negative],
    ] as const) {
      part.counts.forEach((c, i) => {
        if (c) store.add(part.offset + i, c);
      });
    }
    this.#zeros += data.zeros;
    this.#count +=
      data.zeros + data.positive.counts.reduce((s, c) => s + c, 0) + data.negative.counts.reduce((s, c) => s + c, 0);
  }

  toJSON(): DDSketchData {
    return {
      alpha: this.alpha,
      maxBins: this.maxBins,
      zeros: this.#zeros,
      positive: this.#positive.toJSON(),
      negative: this.#negative.toJSON(),
    };
  }

  /** Rebuilds a sketch from {@link DDSketch.toJSON}. */
  static fromJSON(data: DDSketchData): DDSketch {
    const sketch = new DDSketch({ alpha: data.alpha, maxBins: data.maxBins });
    sketch.#mergeData(data);
    return sketch;
  }
}
