import { z } from "zod";
import { MlstackError } from "./errors.js";
import type { Field, Schema, ValueType } from "./schema.js";
import { defineSchema } from "./schema.js";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function valueValidator(field: Field): z.ZodType {
  switch (field.type) {
    case "bool":
      return z.boolean();
    case "int32":
      return z.number().int().min(INT32_MIN).max(INT32_MAX);
    case "int64":
      return z.union([z.number().refine(Number.isSafeInteger, "expected a safe integer"), z.bigint()]);
    case "float32":
    case "float64":
      // NaN and ±Infinity are valid floating-point values; zod's z.number() rejects them.
      return z.custom<number>((v) => typeof v === "number", "expected a number");
    case "string":
      return z.string();
    case "bytes":
      return z.instanceof(Uint8Array);
    case "timestamp":
      return z.number().int();
    case "vector": {
      const length = field.length ?? 0;
      return z.union([
        z.array(z.number()).length(length),
        z.instanceof(Float32Array).refine((a) => a.length === length, `expected ${length} values`),
      ]);
    }
  }
}

/**
 * A zod validator for records of this schema: every field is required unless nullable; nullable fields
 * accept null or a missing value; unknown keys are kept (`passthrough`) unless `strict`.
 */
export function schemaToZod(schema: Schema, options: { strict?: boolean } = {}): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const field of schema.fields) {
    const v = valueValidator(field);
    shape[field.name] = field.nullable ? v.nullable().optional() : v;
  }
  const obj = z.object(shape);
  return options.strict ? obj.strict() : obj.passthrough();
}

interface ZodDefLike {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  checks?: Array<{
    _zod: { def: { check: string; format?: string; length?: number; minimum?: number; maximum?: number } };
  }>;
  format?: string;
}

function defOf(t: z.ZodType): ZodDefLike {
  return (t as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

function inferType(name: string, t: z.ZodType): { type: ValueType; length?: number; nullable: boolean } {
  let def = defOf(t);
  let nullable = false;
  while (def.type === "optional" || def.type === "nullable" || def.type === "default") {
    nullable = nullable || def.type !== "default";
    t = def.innerType as z.ZodType;
    def = defOf(t);
  }
  const checks = def.checks ?? [];
  switch (def.type) {
    case "boolean":
      return { type: "bool", nullable };
    case "string":
      return { type: "string", nullable };
    case "bigint":
      return { type: "int64", nullable };
    case "date":
      return { type: "timestamp", nullable };
    case "number": {
      const isInt =
        def.format === "safeint" ||
        def.format === "int32" ||
        checks.some((c) => c._zod.def.check === "number_format" && /int/.test(c._zod.def.format ?? ""));
      const isInt32 = def.format === "int32" || checks.some((c) => c._zod.def.format === "int32");
      return { type: isInt32 ? "int32" : isInt ? "int64" : "float64", nullable };
    }
    case "array": {
      const elem = defOf(def.element as z.ZodType);
      const lengthCheck = checks.find((c) => c._zod.def.check === "length_equals");
      if (elem.type === "number" && lengthCheck?._zod.def.length !== undefined) {
        return { type: "vector", length: lengthCheck._zod.def.length, nullable };
      }
      break;
    }
    case "custom":
      // z.instanceof(Uint8Array) is a custom check; probe it rather than read zod internals.
      if (t.safeParse(new Uint8Array(0)).success && !t.safeParse("").success) return { type: "bytes", nullable };
      break;
  }
  throw new MlstackError("INVALID_ARGUMENT", `cannot map zod type "${def.type}" of field "${name}" to a value type`, {
    details: { field: name, zodType: def.type },
  });
}

/**
 * Derives a {@link Schema} from a zod object schema: boolean → bool, string → string, integer numbers →
 * int64 (`z.int32()` → int32), other numbers → float64, bigint → int64, date → timestamp,
 * `z.instanceof(Uint8Array)` → bytes, a fixed-length number array → vector; optional or nullable → nullable.
 */
export function schemaFromZod(object: z.ZodObject): Schema {
  const fields: Field[] = Object.entries(object.shape).map(([name, t]) => {
    const { type, length, nullable } = inferType(name, t as z.ZodType);
    return { name, type, ...(length === undefined ? {} : { length }), ...(nullable ? { nullable } : {}) };
  });
  return defineSchema(fields);
}
