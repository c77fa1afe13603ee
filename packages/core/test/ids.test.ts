import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createDeterministicIdGenerator,
  createRandom,
  createSequentialIdGenerator,
  createUuidV7Generator,
  isUuid,
  ManualClock,
  uuidV7Timestamp,
} from "../src/index.js";

describe("UUIDv7", () => {
  it("has the RFC 9562 layout and the clock's timestamp", () => {
    const clock = new ManualClock(1_700_000_000_123);
    const id = createUuidV7Generator({ clock })();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe("7");
    expect("89ab").toContain(id[19]);
    expect(uuidV7Timestamp(id)).toBe(1_700_000_000_123);
  });

  it("is strictly increasing and unique under a burst within one millisecond", () => {
    const next = createUuidV7Generator({ clock: new ManualClock(42) });
    const ids = Array.from({ length: 20_000 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(uuidV7Timestamp(ids[0]!)).toBe(42);
  });

  it("stays monotonic for any sequence of clock moves, backwards included", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 300 }), (steps) => {
        let t = 1_000_000;
        const clock = { now: () => t, sleep: async () => {} };
        const next = createUuidV7Generator({ clock });
        let prev = next();
        for (const step of steps) {
          t += step;
          const id = next();
          if (!(id > prev)) return false;
          prev = id;
        }
        return true;
      }),
    );
  });

  it("orders ids from later milliseconds after earlier ones", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 10_000 }), (start, gap) => {
        const clock = new ManualClock(start);
        const next = createUuidV7Generator({ clock });
        const a = next();
        clock.advance(gap);
        const b = next();
        return a < b && uuidV7Timestamp(b) === start + gap;
      }),
    );
  });

  it("deterministic generators repeat their sequence", () => {
    const make = () => createDeterministicIdGenerator({ clock: new ManualClock(5), seed: "test" });
    const a = make();
    const b = make();
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect(seqA.every(isUuid)).toBe(true);
  });

  it("sequential ids are readable", () => {
    const next = createSequentialIdGenerator("run");
    expect([next(), next()]).toEqual(["run-1", "run-2"]);
  });

  it("rejects non-v7 ids", () => {
    expect(() => uuidV7Timestamp("not-a-uuid")).toThrowError();
    expect(() => uuidV7Timestamp(crypto.randomUUID())).toThrowError();
  });
});

describe("createRandom", () => {
  it("repeats for the same seed and differs between seeds", () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const seq = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(seq);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(seq);
    expect(createRandom("abc").uint32()).toBe(createRandom("abc").uint32());
  });

  it("draws integers in range without bias and floats in [0, 1)", () => {
    const r = createRandom(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.int(0, 2)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it("draws normals with mean 0 and variance 1, and shuffles into a permutation", () => {
    const r = createRandom(3);
    const n = 20_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = r.shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
  });

  it("rejects a fractional seed and a bad range", () => {
    expect(() => createRandom(1.5)).toThrowError();
    expect(() => createRandom(1).int(3, 2)).toThrowError();
  });
});
