import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkLengths } from "../engine/chunker.js";
import { collect, type SuiteContext, withEngine } from "./context.js";

const SMALL = { min: 256, avg: 1024, max: 4096 };

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Content-defined chunking: bounds, locality of edits, dedup and exact round trips. */
export function chunkingSuite(ctx: SuiteContext): void {
  describe(`DataEngine conformance (${ctx.name}): content-defined chunking`, () => {
    it("keeps every chunk but the last within [min, max] and covers the input exactly (property)", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 60_000 }), fc.integer(), (length, seed) => {
          const lengths = chunkLengths(pseudoRandom(length, seed), SMALL);
          expect(lengths.reduce((a, b) => a + b, 0)).toBe(length);
          lengths.slice(0, -1).forEach((l) => {
            expect(l).toBeGreaterThanOrEqual(SMALL.min);
            expect(l).toBeLessThanOrEqual(SMALL.max);
          });
          if (lengths.length > 0) expect(lengths[lengths.length - 1]).toBeLessThanOrEqual(SMALL.max);
        }),
        { numRuns: ctx.propertyRuns * 4 },
      );
    });

    it("changes only a few chunks when one byte is inserted into a large file (property)", () => {
      fc.assert(
        fc.property(
          fc.integer(),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.integer({ min: 0, max: 255 }),
          (seed, where, byte) => {
            const data = pseudoRandom(200_000, seed);
            const at = Math.floor(where * data.length);
            const edited = new Uint8Array(data.length + 1);
            edited.set(data.subarray(0, at));
            edited[at] = byte;
            edited.set(data.subarray(at), at + 1);
            const chunks = (bytes: Uint8Array) => {
              const out: string[] = [];
              let pos = 0;
              for (const l of chunkLengths(bytes, SMALL)) {
                out.push(Buffer.from(bytes.subarray(pos, pos + l)).toString("base64"));
                pos += l;
              }
              return out;
            };
            const before = new Set(chunks(data));
            const after = chunks(edited);
            const fresh = after.filter((c) => !before.has(c)).length;
            // Usually 1 or 2; the bound leaves room for the rare slow resynchronization.
            expect(fresh).toBeLessThanOrEqual(5);
            expect(after.length).toBeGreaterThan(50);
          },
        ),
        { numRuns: ctx.propertyRuns },
      );
    });

    it("round-trips files of any size and split, through the engine (property)", () =>
      withEngine(ctx, async (engine) => {
        await engine.createRepo("r", { chunking: SMALL });
        let n = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 0, max: 40_000 }),
            fc.integer(),
            fc.integer({ min: 1, max: 9000 }),
            async (length, seed, block) => {
              const data = pseudoRandom(length, seed);
              async function* stream() {
                for (let i = 0; i < data.length; i += block) yield data.slice(i, i + block);
              }
              const path = `f${n++}`;
              await engine.commit("r", "main", (tx) => tx.put(path, stream()).then(() => {}), {
                message: "m",
                allowEmpty: true,
              });
              const back = Buffer.concat(await collect(engine.read("r", "main", path)));
              expect(back.equals(Buffer.from(data))).toBe(true);
              expect((await engine.stat("r", "main", path)).size).toBe(length);
            },
          ),
          { numRuns: ctx.propertyRuns },
        );
      }));
  });
}
