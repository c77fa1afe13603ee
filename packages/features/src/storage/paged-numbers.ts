const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

/**
 * An append-only column of numbers in fixed 64k pages: growing never copies (so a 10-million-row view
 * never holds two copies of a column) and old rows never move, which makes snapshots free.
 */
export class PagedNumbers {
  readonly #pages: Float64Array[] = [];
  // A null mask page is allocated only once a null lands in it.
  readonly #nulls: (Uint8Array | undefined)[] = [];
  #length = 0;

  push(value: number | null): void {
    const offset = this.#length & PAGE_MASK;
    const page = this.#length >>> PAGE_BITS;
    if (offset === 0) this.#pages.push(new Float64Array(PAGE_SIZE));
    if (value === null) {
      let mask = this.#nulls[page];
      if (mask === undefined) this.#nulls[page] = mask = new Uint8Array(PAGE_SIZE);
      mask[offset] = 1;
    } else {
      (this.#pages[page] as Float64Array)[offset] = value;
    }
    this.#length++;
  }

  /** The number at `row`; meaningless for a null (check `isNull`). */
  get(row: number): number {
    return (this.#pages[row >>> PAGE_BITS] as Float64Array)[row & PAGE_MASK] as number;
  }

  isNull(row: number): boolean {
    return this.#nulls[row >>> PAGE_BITS]?.[row & PAGE_MASK] === 1;
  }
}
