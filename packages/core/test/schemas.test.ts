import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  compareSchemas,
  defineSchema,
  type Field,
  isMlstackError,
  SCALAR_TYPES,
  type Schema,
  type SchemaIssueCode,
  schemaFromJsonSchema,
  schemaFromZod,
  schemaToJsonSchema,
  schemaToZod,
  type ValueType,
} from "../src/index.js";

const f = (name: string, type: ValueType, extra: Partial<Field> = {}): Field => ({ name, type, ...extra });
const s = (...fields: Field[]): Schema => defineSchema(fields);

describe("defineSchema", () => {
  it("freezes a valid schema and rejects duplicates and bad vectors", () => {
    const schema = s(f("a", "float64"), f("v", "vector", { length: 3 }));
    expect(Object.isFrozen(schema.fields)).toBe(true);
    expect(() => s(f("a", "int32"), f("a", "int64"))).toThrowError(/duplicate field name/);
    expect(() => s(f("v", "vector"))).toThrowError(/needs a length/);
    expect(() => s(f("x", "int32", { length: 2 }))).toThrowError(/only vector/);
    try {
      s(f("", "int32"));
    } catch (e) {
      expect(isMlstackError(e, "INVALID_ARGUMENT")).toBe(true);
    }
  });
});

describe("compareSchemas", () => {
  const cases: Array<[string, Field[], Field[], Array<[SchemaIssueCode, "error" | "warning"]>]> = [
    ["identical", [f("x", "float64")], [f("x", "float64")], []],
    ["extra producer field", [f("x", "float64"), f("y", "string")], [f("x", "float64")], []],
    ["missing required", [f("x", "float64")], [f("x", "float64"), f("y", "int32")], [["MISSING_FIELD", "error"]]],
    ["missing nullable", [], [f("y", "int32", { nullable: true })], [["MISSING_FIELD", "warning"]]],
    ["int32 → int64 widening", [f("x", "int32")], [f("x", "int64")], []],
    ["int32 → float64 exact", [f("x", "int32")], [f("x", "float64")], []],
    ["int32 → float32 lossy", [f("x", "int32")], [f("x", "float32")], [["LOSSY_CONVERSION", "error"]]],
    ["int64 → float64 lossy", [f("x", "int64")], [f("x", "float64")], [["LOSSY_CONVERSION", "error"]]],
    ["float64 → float32 lossy", [f("x", "float64")], [f("x", "float32")], [["LOSSY_CONVERSION", "error"]]],
    ["float32 → float64", [f("x", "float32")], [f("x", "float64")], []],
    ["int64 → int32 narrowing", [f("x", "int64")], [f("x", "int32")], [["LOSSY_CONVERSION", "error"]]],
    ["string → float64", [f("x", "string")], [f("x", "float64")], [["TYPE_MISMATCH", "error"]]],
    ["bool → int32", [f("x", "bool")], [f("x", "int32")], [["TYPE_MISMATCH", "error"]]],
    ["timestamp ↔ int64", [f("x", "timestamp")], [f("x", "int64")], []],
    [
      "vector lengths",
      [f("x", "vector", { length: 3 })],
      [f("x", "vector", { length: 4 })],
      [["VECTOR_LENGTH_MISMATCH", "error"]],
    ],
    ["vector → float32", [f("x", "vector", { length: 3 })], [f("x", "float32")], [["TYPE_MISMATCH", "error"]]],
    [
      "nullable into non-nullable",
      [f("x", "float64", { nullable: true })],
      [f("x", "float64")],
      [["NULLABLE_INTO_NON_NULLABLE", "error"]],
    ],
    ["non-nullable into nullable", [f("x", "float64")], [f("x", "float64", { nullable: true })], []],
    [
      "every problem at once",
      [f("a", "string"), f("b", "int64", { nullable: true })],
      [f("a", "float64"), f("b", "int32"), f("c", "bool")],
      [
        ["TYPE_MISMATCH", "error"],
        ["LOSSY_CONVERSION", "error"],
        ["NULLABLE_INTO_NON_NULLABLE", "error"],
        ["MISSING_FIELD", "error"],
      ],
    ],
  ];

  it.each(cases)("%s", (_label, producer, consumer, expected) => {
    const result = compareSchemas(s(...producer), s(...consumer));
    expect(result.issues.map((i) => [i.code, i.severity])).toEqual(expected);
    expect(result.compatible).toBe(expected.every(([, sev]) => sev !== "error"));
    for (const issue of result.issues) expect(issue.message).toContain(issue.field);
  });

  const fieldArb = fc.record({
    name: fc.constantFrom("a", "b", "c", "d", "e", "f"),
    type: fc.constantFrom<ValueType>(...SCALAR_TYPES, "vector"),
    length: fc.integer({ min: 1, max: 4 }),
    nullable: fc.boolean(),
  });
  const schemaArb = fc
    .uniqueArray(fieldArb, { selector: (x) => x.name, maxLength: 6 })
    .map((fields) =>
      s(
        ...fields.map((x) =>
          f(x.name, x.type, { nullable: x.nullable, ...(x.type === "vector" ? { length: x.length } : {}) }),
        ),
      ),
    );

  it("finds a schema compatible with itself", () => {
    fc.assert(fc.property(schemaArb, (schema) => compareSchemas(schema, schema).issues.length === 0));
  });

  it("never breaks a consumer when the producer gains a nullable field", () => {
    fc.assert(
      fc.property(schemaArb, schemaArb, fieldArb, (producer, consumer, extra) => {
        const name = `extra_${extra.name}`;
        const before = compareSchemas(producer, consumer);
        const grown = s(
          ...producer.fields,
          f(name, extra.type, { nullable: true, ...(extra.type === "vector" ? { length: extra.length } : {}) }),
        );
        const after = compareSchemas(grown, consumer);
        return after.compatible === before.compatible && after.issues.length === before.issues.length;
      }),
    );
  });
});

describe("zod conversion", () => {
  const schema = s(
    f("flag", "bool"),
    f("small", "int32"),
    f("big", "int64"),
    f("ratio", "float64"),
    f("label", "string", { nullable: true }),
    f("blob", "bytes"),
    f("at", "timestamp"),
    f("emb", "vector", { length: 2 }),
  );
  const validator = schemaToZod(schema);
  const good = {
    flag: true,
    small: 3,
    big: 2n ** 60n,
    ratio: Number.NaN,
    label: null,
    blob: new Uint8Array([1]),
    at: 1_700_000_000_000,
    emb: [0.5, 1],
  };

  it("accepts valid records, NaN floats and nullable absences", () => {
    expect(validator.safeParse(good).success).toBe(true);
    const { label: _omit, ...withoutLabel } = good;
    expect(validator.safeParse(withoutLabel).success).toBe(true);
    expect(validator.safeParse({ ...good, emb: new Float32Array([1, 2]) }).success).toBe(true);
  });

  it("rejects wrong types with the field path", () => {
    for (const bad of [
      { small: 2 ** 31 },
      { big: 2 ** 60 },
      { ratio: "1" },
      { at: 1.5 },
      { emb: [1] },
      { flag: null },
      { blob: "x" },
    ]) {
      const result = validator.safeParse({ ...good, ...bad });
      expect(result.success, JSON.stringify(Object.keys(bad))).toBe(false);
      if (!result.success) expect(result.error.issues[0]?.path[0]).toBe(Object.keys(bad)[0]);
    }
  });

  it("strict mode rejects unknown keys", () => {
    expect(schemaToZod(schema, { strict: true }).safeParse({ ...good, extra: 1 }).success).toBe(false);
    expect(validator.safeParse({ ...good, extra: 1 }).success).toBe(true);
  });

  it("derives a schema from a zod object", () => {
    const derived = schemaFromZod(
      z.object({
        flag: z.boolean(),
        n: z.int32(),
        id: z.number().int(),
        x: z.number(),
        b: z.bigint(),
        name: z.string().optional(),
        when: z.date(),
        raw: z.instanceof(Uint8Array),
        emb: z.array(z.number()).length(4),
        maybe: z.number().nullable(),
      }),
    );
    expect(derived.fields).toEqual([
      { name: "flag", type: "bool" },
      { name: "n", type: "int32" },
      { name: "id", type: "int64" },
      { name: "x", type: "float64" },
      { name: "b", type: "int64" },
      { name: "name", type: "string", nullable: true },
      { name: "when", type: "timestamp" },
      { name: "raw", type: "bytes" },
      { name: "emb", type: "vector", length: 4 },
      { name: "maybe", type: "float64", nullable: true },
    ]);
    expect(() => schemaFromZod(z.object({ o: z.object({}) }))).toThrowError(/cannot map/);
  });
});

describe("JSON Schema conversion", () => {
  it("round-trips every value type exactly", () => {
    const schema = s(
      ...SCALAR_TYPES.map((t) => f(`f_${t}`, t)),
      f("emb", "vector", { length: 8 }),
      f("opt", "float32", { nullable: true, description: "maybe" }),
    );
    const json = schemaToJsonSchema(schema);
    expect(json.type).toBe("object");
    expect(json.required).not.toContain("opt");
    expect(schemaFromJsonSchema(JSON.parse(JSON.stringify(json)))).toEqual(schema);
  });

  it("reads plain JSON Schema without annotations", () => {
    const schema = schemaFromJsonSchema({
      type: "object",
      properties: {
        a: { type: "integer" },
        b: { type: ["number", "null"] },
        c: { type: "string" },
        d: { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 },
        e: { type: "boolean" },
      },
      required: ["a", "b", "d", "e"],
    });
    expect(schema.fields).toEqual([
      { name: "a", type: "int64" },
      { name: "b", type: "float64", nullable: true },
      { name: "c", type: "string", nullable: true },
      { name: "d", type: "vector", length: 2 },
      { name: "e", type: "bool" },
    ]);
    expect(() => schemaFromJsonSchema({ type: "array" })).toThrowError();
  });
});
