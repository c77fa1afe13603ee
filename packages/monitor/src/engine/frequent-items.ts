/** The serialized form of {@link FrequentItems}. */
export interface FrequentItemsData {
  capacity: number;
  total: number;
  /** Upper bound of how much any count is underestimated. */
  maxError: number;
  counts: [string, number][];
}

/**
 * Frequent items by the Misra-Gries summary with `capacity` counters: each kept count underestimates
 * the true count by at most `maxError` ≤ total/(capacity + 1), and every item more frequent than that is
 * kept. With at most `capacity` distinct items the counts are exact (maxError = 0). Merging adds the
 * counters and subtracts the (capacity+1)-th largest (Agarwal et al. 2012): commutative, and
 * associative within the error bound.
 */
export class FrequentItems {
  readonly capacity: number;
  readonly counts = new Map<string, number>();
  total = 0;
  maxError = 0;

  constructor(capacity = 64) {
    this.capacity = capacity;
  }

  add(item: string, count = 1): void {
    this.total += count;
    const current = this.counts.get(item);
    if (current !== undefined) this.counts.set(item, current + count);
    else this.counts.set(item, count);
    if (this.counts.size > this.capacity) this.#shrink();
  }

  // Subtract the (capacity+1)-th largest count from every counter and drop those that reach 0.
  #shrink(): void {
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity] as number;
    this.maxError += cut;
    for (const [item, c] of this.counts) {
      if (c <= cut) this.counts.delete(item);
      else this.counts.set(item, c - cut);
    }
  }

  merge(other: FrequentItems): void {
    for (const [item, c] of other.counts) this.counts.set(item, (this.counts.get(item) ?? 0) + c);
    this.total += other.total;
    this.maxError += other.maxError;
    if (this.counts.size > this.capacity) this.#shrink();
  }

  /** Items by decreasing count (ties by item), at most `limit`. */
  top(limit = this.capacity): { item: string; count: number }[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit)
      .map(([item, count]) => ({ item, count }));
  }

  toJSON(): FrequentItemsData {
    return {
      capacity: this.capacity,
      total: this.total,
      maxError: this.maxError,
      counts: this.top().map((e) => [e.item, e.count]),
    };
  }

  /** Rebuilds a summary from {@link FrequentItems.toJSON}. */
  static fromJSON(data: FrequentItemsData): FrequentItems {
    const f = new FrequentItems(data.capacity);
    for (const [item, c] of data.counts) f.counts.set(item, c);
    f.total = data.total;
    f.maxError = data.maxError;
    return f;
  }
}
