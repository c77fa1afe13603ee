import { MlstackError } from "./errors.js";

/** A seeded pseudo-random generator: the same seed gives the same sequence on every platform. */
export interface Random {
  /** The seed it was created with. */
  readonly seed: number;
  /** A uniform float in [0, 1), with 32 bits of randomness. */
  next(): number;
  /** A uniform unsigned 32-bit integer. */
  uint32(): number;
  /** A uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** A standard normal deviate (Box-Muller). */
  normal(): number;
  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  /** Fills `bytes` with random bytes and returns it. */
  fill(bytes: Uint8Array): Uint8Array;
}

// FNV-1a, to turn a string seed into 32 bits.
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// splitmix32: spreads one 32-bit seed over the four words of the state.
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Creates a seeded generator (sfc32: small, fast, passes PractRand to 2^42 bytes).
 * A string seed is hashed; a number seed must be an integer.
 */
export function createRandom(seed: number | string): Random {
  let numericSeed: number;
  if (typeof seed === "string") numericSeed = hashString(seed);
  else if (Number.isSafeInteger(seed)) numericSeed = seed >>> 0;
  else throw new MlstackError("INVALID_ARGUMENT", `a random seed must be an integer or a string, got ${seed}`);

  const init = { s: numericSeed };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) uint32();

  let spareNormal: number | undefined;
  const random: Random = {
    seed: numericSeed,
    uint32,
    next: () => uint32() / 4294967296,
    int(min, max) {
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
        throw new MlstackError("INVALID_ARGUMENT", `int(min, max) needs integers with min <= max, got ${min}, ${max}`);
      }
      const span = max - min + 1;
      if (span <= 4294967296) {
        // Rejection sampling avoids modulo bias.
        const limit = 4294967296 - (4294967296 % span);
        let x = uint32();
        while (x >= limit) x = uint32();
        return min + (x % span);
      }
      return min + Math.floor(((uint32() * 4294967296 + uint32()) / 2 ** 64) * span);
    },
    normal() {
      if (spareNormal !== undefined) {
        const v = spareNormal;
        spareNormal = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = random.next();
      const v = random.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = random.int(0, i);
        const tmp = items[i] as (typeof items)[number];
        items[i] = items[j] as (typeof items)[number];
        items[j] = tmp;
      }
      return items;
    },
    fill(bytes) {
      for (let i = 0; i < bytes.length; i += 4) {
        const x = uint32();
        bytes[i] = x & 0xff;
        if (i + 1 < bytes.length) bytes[i + 1] = (x >>> 8) & 0xff;
        if (i + 2 < bytes.length) bytes[i + 2] = (x >>> 16) & 0xff;
        if (i + 3 < bytes.length) bytes[i + 3] = x >>> 24;
      }
      return bytes;
    },
  };
  return random;
}
