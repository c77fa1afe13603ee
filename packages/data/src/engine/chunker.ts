import { createRandom, MlstackError } from "@mlstack/core";

/** Content-defined chunking sizes in bytes: every chunk but the last is within [min, max]. */
export interface ChunkingOptions {
  /** Smallest chunk; default 16 KiB. */
  min: number;
  /** Target average chunk; a power of two; default 64 KiB. */
  avg: number;
  /** Largest chunk; default 256 KiB. */
  max: number;
}

/** The default chunk sizes: 16/64/256 KiB. */
export const DEFAULT_CHUNKING: Readonly<ChunkingOptions> = Object.freeze({
  min: 16 * 1024,
  avg: 64 * 1024,
  max: 256 * 1024,
});

// The gear table is part of the storage format: chunk boundaries (and so dedup across versions) depend
// on it, so it comes from a fixed seed and must never change.
// Stored as int32 so the hot loop stays in small-integer arithmetic.
const GEAR: Int32Array = (() => {
  const random = createRandom("mlstack-data-gear-v1");
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = random.uint32() | 0;
  return table;
})();

// A mask of `bits` one-bits in the high end of a 32-bit word: the shift-left gear hash mixes the
// most recent 32 bytes into the high bits, the low bits see only a few bytes.
function highMask(bits: number): number {
  return bits <= 0 ? 0 : ((0xffffffff << (32 - bits)) >>> 0) | 0;
}

/** Validates chunking options; `INVALID_ARGUMENT` when they are inconsistent. */
export function checkChunking(options: ChunkingOptions): ChunkingOptions {
  const { min, avg, max } = options;
  const ok =
    Number.isInteger(min) &&
    Number.isInteger(avg) &&
    Number.isInteger(max) &&
    min >= 64 &&
    min < avg &&
    avg < max &&
    max <= 64 * 1024 * 1024 &&
    (avg & (avg - 1)) === 0;
  if (!ok) {
    throw new MlstackError(
      "INVALID_ARGUMENT",
      `invalid chunking ${min}/${avg}/${max}: need integers 64 <= min < avg < max <= 64 MiB, avg a power of two`,
      { details: { min, avg, max } },
    );
  }
  return { min, avg, max };
}

/**
 * A FastCDC-style cut finder (gear hash with normalized chunking, level 1: level 2 resynchronizes more slowly after an edit): returns the length of the
 * chunk that starts at `start` in `buf[start, end)`. When `final` is false and no cut is found before
 * `end`, it returns 0 (more bytes are needed); with `final`, the rest becomes one last chunk.
 */
export function findCut(buf: Uint8Array, start: number, end: number, options: ChunkingOptions, final: boolean): number {
  const { min, avg, max } = options;
  const available = end - start;
  if (available <= min) return final ? available : 0;
  const bits = Math.round(Math.log2(avg));
  const maskS = highMask(bits + 1);
  const maskL = highMask(bits - 1);
  const limit = start + Math.min(available, max);
  const normal = start + Math.min(available, avg);
  const gear = GEAR;
  let h = 0;
  let i = start + min;
  for (; i < normal; i++) {
    h = ((h << 1) + (gear[buf[i] as number] as number)) | 0;
    if ((h & maskS) === 0) return i + 1 - start;
  }
  for (; i < limit; i++) {
    h = ((h << 1) + (gear[buf[i] as number] as number)) | 0;
    if ((h & maskL) === 0) return i + 1 - start;
  }
  if (limit - start === max || final) return limit - start;
  return 0;
}

/**
 * Splits a stream of byte blocks into content-defined chunks, yielding each chunk as it is found.
 * Each block is copied once into a fresh buffer (with the previous block's uncut tail), and chunks are
 * views of those buffers: never aliased with the caller's blocks or reused, so consumers may keep them.
 * Memory stays under about `max` plus one input block beyond the chunks the consumer keeps.
 */
export async function* chunkStream(
  source: AsyncIterable<Uint8Array>,
  options: ChunkingOptions = DEFAULT_CHUNKING,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array = new Uint8Array(0);
  for await (const block of source) {
    // Uninitialised memory (every byte is overwritten next), not from Buffer's shared pool.
    const buf: Uint8Array = Buffer.allocUnsafeSlow(pending.length + block.length);
    buf.set(pending, 0);
    buf.set(block, pending.length);
    let pos = 0;
    for (;;) {
      const cut = findCut(buf, pos, buf.length, options, false);
      if (cut === 0) break;
      yield buf.subarray(pos, pos + cut);
      pos += cut;
    }
    pending = buf.subarray(pos);
  }
  let pos = 0;
  while (pos < pending.length) {
    const cut = findCut(pending, pos, pending.length, options, true);
    yield pending.subarray(pos, pos + cut);
    pos += cut;
  }
}

/** The chunk lengths of a whole buffer, for tests and tools. */
export function chunkLengths(bytes: Uint8Array, options: ChunkingOptions = DEFAULT_CHUNKING): number[] {
  const lengths: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const cut = findCut(bytes, pos, bytes.length, options, true);
    lengths.push(cut);
    pos += cut;
  }
  return lengths;
}
