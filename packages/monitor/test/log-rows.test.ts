import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logRowsSchema, parseLogRows } from "../src/index.js";

const anyValue = fc.oneof(
  fc.double(),
  fc.string(),
  fc.constantFrom(null, undefined, true, Number.NaN, 2 ** 60),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const row = fc.record(
  {
    features: fc.oneof(fc.dictionary(fc.string(), anyValue), anyValue),
    prediction: anyValue,
    score: anyValue,
    requestId: anyValue,
    timestamp: anyValue,
  },
  { requiredKeys: [] },
);

describe("parseLogRows", () => {
  it("accepts exactly what the zod schema accepts (property)", () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 4 }), (rows) => {
        const zodAccepts = logRowsSchema.safeParse(rows).success;
        let ours = true;
        try {
          parseLogRows(rows);
        } catch {
          ours = false;
        }
        expect(ours).toBe(zodAccepts);
      }),
      { numRuns: 500 },
    );
  });
});
