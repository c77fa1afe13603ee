import { getRandomValues } from "node:crypto";
import type { Clock } from "./clock.js";
import { SystemClock } from "./clock.js";
import { MlstackError } from "./errors.js";
import { createRandom } from "./random.js";

/** Produces a new unique id on every call. */
export type IdGenerator = () => string;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const POOL_SIZE = 4096;

/** Options of {@link createUuidV7Generator}. */
export interface UuidV7Options {
  /** Where the timestamp comes from; defaults to the system clock. */
  clock?: Clock;
  /** Fills a buffer with random bytes; defaults to `crypto.getRandomValues`. */
  randomBytes?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * Creates a UUIDv7 generator (RFC 9562): 48 bits of millisecond time, then random bits.
 * Ids are strictly increasing per generator: within one millisecond the 12-bit `rand_a` field counts up
 * from a random start below 2048; if it overflows, or the clock moves back, the timestamp is carried
 * forward by a millisecond, as RFC 9562 section 6.2 allows.
 */
export function createUuidV7Generator(options: UuidV7Options = {}): IdGenerator {
  const clock = options.clock ?? new SystemClock();
  const fill = options.randomBytes ?? ((b: Uint8Array) => getRandomValues(b));
  const pool = new Uint8Array(POOL_SIZE);
  let poolPos = POOL_SIZE;
  let lastMs = -1;
  let counter = 0;
  // The 12 hex digits of the timestamp change at most once per millisecond: format them once.
  let timeHex = "";

  return () => {
    if (poolPos + 10 > POOL_SIZE) {
      fill(pool);
      poolPos = 0;
    }
    const ms = Math.floor(clock.now());
    if (ms > lastMs) {
      lastMs = ms;
      // A random 12-bit start below 2048 leaves room to count up within the millisecond.
      counter = (((pool[poolPos] as number) << 4) | ((pool[poolPos + 1] as number) >> 4)) & 0x7ff;
      timeHex = lastMs.toString(16).padStart(12, "0");
    } else if (++counter > 0xfff) {
      lastMs++;
      counter = 0;
      timeHex = lastMs.toString(16).padStart(12, "0");
    }
    const p = poolPos + 2;
    poolPos += 10;
    return (
      `${timeHex.slice(0, 8)}-${timeHex.slice(8)}-${HEX[0x70 | (counter >>> 8)]}${HEX[counter & 0xff]}-` +
      `${HEX[0x80 | ((pool[p] as number) & 0x3f)]}${HEX[pool[p + 1] as number]}-` +
      `${HEX[pool[p + 2] as number]}${HEX[pool[p + 3] as number]}${HEX[pool[p + 4] as number]}` +
      `${HEX[pool[p + 5] as number]}${HEX[pool[p + 6] as number]}${HEX[pool[p + 7] as number]}`
    );
  };
}

/**
 * A deterministic UUIDv7 generator for tests: timestamps from `clock` (use a ManualClock) and
 * random bits from a PRNG seeded with `seed`, so the same test gives the same ids every run.
 */
export function createDeterministicIdGenerator(options: { clock: Clock; seed?: number | string }): IdGenerator {
  const random = createRandom(options.seed ?? 0);
  return createUuidV7Generator({ clock: options.clock, randomBytes: (b) => random.fill(b) });
}

/** A generator of readable ids `prefix-1`, `prefix-2`, ... for tests that compare ids by eye. */
export function createSequentialIdGenerator(prefix = "id"): IdGenerator {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** True for an RFC 9562 UUID string (versions 1 to 8, variant 10). */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** The millisecond timestamp of a UUIDv7; `INVALID_ARGUMENT` for anything else. */
export function uuidV7Timestamp(id: string): number {
  if (!isUuid(id) || id[14] !== "7") throw new MlstackError("INVALID_ARGUMENT", `not a UUIDv7: ${id}`);
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
