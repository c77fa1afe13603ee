// Float64 keys sorted by a four-pass LSD radix sort on 16-bit digits of their order-preserving bit
// pattern: O(n), several times faster than a comparison sort for the large windows drift looks at.

const RADIX_THRESHOLD = 512;

/**
 * Returns a new ascending Float64Array of the finite or infinite numbers in `values` (NaN is dropped,
 * -0 becomes 0 so equal values sort together).
 */
export function sortFloat64(values: ArrayLike<number>): Float64Array<ArrayBuffer> {
  const n = values.length;
  const out = new Float64Array(n);
  if (n < RADIX_THRESHOLD) {
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (!Number.isNaN(v)) out[count++] = v + 0;
    }
    return out.subarray(0, count).sort().slice();
  }
  return radixSort(values, out);
}

// Copies the non-NaN values into `buffer` while counting all four digit histograms (one pass), then
// scatters by each digit from least to most significant.
function radixSort(values: ArrayLike<number>, buffer: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const hist = new Uint32Array(4 * 65536);
  const words = new Uint32Array(buffer.buffer);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    buffer[n] = v + 0;
    let lo = words[2 * n] as number;
    let hi = words[2 * n + 1] as number;
    n++;
    // Flip so that unsigned order is numeric order: negatives fully, positives by the sign bit.
    if (hi & 0x80000000) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    } else hi = (hi | 0x80000000) >>> 0;
    hist[lo & 0xffff]!++;
    hist[65536 + (lo >>> 16)]!++;
    hist[131072 + (hi & 0xffff)]!++;
    hist[196608 + (hi >>> 16)]!++;
  }
  let src = buffer;
  let dst = new Float64Array(buffer.length);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    // A digit shared by every key leaves the order as it is: skip the pass.
    let skip = false;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = hist[base + d] as number;
      if (c === n) skip = true;
      hist[base + d] = sum;
      sum += c;
    }
    if (skip) continue;
    const srcWords = new Uint32Array(src.buffer);
    const high = pass >= 2;
    const shift = pass % 2 === 1 ? 16 : 0;
    for (let i = 0; i < n; i++) {
      let w = srcWords[2 * i + (high ? 1 : 0)] as number;
      const hi = srcWords[2 * i + 1] as number;
      if (hi & 0x80000000) w = ~w >>> 0;
      else if (high) w = (w | 0x80000000) >>> 0;
      const digit = base + ((w >>> shift) & 0xffff);
      dst[hist[digit]!++] = src[i] as number;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return n === src.length ? src : src.slice(0, n);
}
