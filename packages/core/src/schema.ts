import { z } from "zod";
import { MlstackError } from "./errors.js";
import { parseInput } from "./validate.js";

/** The scalar value types shared by features, training, serving and monitoring. */
export const SCALAR_TYPES = ["bool", "int32", "int64", "float32", "float64", "string", "bytes", "timestamp"] as const;

/** A scalar value type. */
export type ScalarType = (typeof SCALAR_TYPES)[number];

/** A value type: a scalar, or `vector` (float32 values of a fixed `length`). */
export type ValueType = ScalarType | "vector";

/**
 * A named, typed column.
 *
 * Run-time values: `bool` is a boolean; `int32` an integer in its range; `int64` a safe-integer number
 * or a bigint; `float32` and `float64` numbers (NaN and ±Infinity included); `string` a string; `bytes`
 * a Uint8Array; `timestamp` an integer of epoch milliseconds; `vector` a number array or Float32Array of
 * exactly `length` values. A nullable field also accepts `null` (and a missing value).
 */
export interface Field {
  readonly name: string;
  readonly type: ValueType;
  /** The length of a `vector`; required for vectors, absent otherwise. */
  readonly length?: number;
  /** Whether null is a valid value; default false. */
  readonly nullable?: boolean;
  readonly description?: string;
}

/** An ordered list of uniquely named fields. */
export interface Schema {
  readonly fields: readonly Field[];
}

/** The zod schema of a {@link Field} definition. */
export const fieldSchema = z
  .object({
    name: z.string().min(1).max(255),
    type: z.enum([...SCALAR_TYPES, "vector"]),
    length: z.number().int().positive().optional(),
    nullable: z.boolean().optional(),
    description: z.string().optional(),
  })
  .superRefine((f, ctx) => {
    if (f.type === "vector" && f.length === undefined) {
      ctx.addIssue({ code: "custom", path: ["length"], message: "a vector field needs a length" });
    }
    if (f.type !== "vector" && f.length !== undefined) {
      ctx.addIssue({ code: "custom", path: ["length"], message: "only vector fields have a length" });
    }
  });

/** The zod schema of a {@link Schema} definition: field names must be unique. */
export const schemaSchema = z.object({ fields: z.array(fieldSchema) }).superRefine((s, ctx) => {
  const seen = new Set<string>();
  s.fields.forEach((f, i) => {
    if (seen.has(f.name)) {
      ctx.addIssue({ code: "custom", path: ["fields", i, "name"], message: `duplicate field name "${f.name}"` });
    }
    seen.add(f.name);
  });
});

/** Validates field definitions and returns a frozen {@link Schema}. */
export function defineSchema(fields: readonly Field[]): Schema {
  const parsed = parseInput(schemaSchema, { fields }, "schema");
  return Object.freeze({
    fields: Object.freeze(parsed.fields.map((f) => Object.freeze(stripUndefined(f) as Field))),
  });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The field called `name`, or `NOT_FOUND`. */
export function getField(schema: Schema, name: string): Field {
  const field = schema.fields.find((f) => f.name === name);
  if (!field) {
    throw new MlstackError("NOT_FOUND", `no field "${name}" in schema`, {
      details: { field: name, fields: schema.fields.map((f) => f.name) },
    });
  }
  return field;
}

/** A readable type name such as `float64`, `vector<float32>[8]` or `string?` (nullable). */
export function describeType(field: Pick<Field, "type" | "length" | "nullable">): string {
  const base = field.type === "vector" ? `vector<float32>[${field.length}]` : field.type;
  return field.nullable ? `${base}?` : base;
}
