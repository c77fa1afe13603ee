import { MlstackError } from "./errors.js";
import type { Field, Schema, ValueType } from "./schema.js";
import { defineSchema, SCALAR_TYPES } from "./schema.js";

/** A JSON Schema (2020-12) document, as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** The annotation that keeps the exact mlstack type through a JSON Schema round trip. */
export const JSON_SCHEMA_TYPE_KEYWORD = "x-mlstack-type";

function valueJsonSchema(field: Field): JsonSchema {
  switch (field.type) {
    case "bool":
      return { type: "boolean" };
    case "int32":
      return { type: "integer", format: "int32", minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
    case "int64":
      return { type: "integer", format: "int64" };
    case "float32":
      return { type: "number", format: "float" };
    case "float64":
      return { type: "number", format: "double" };
    case "string":
      return { type: "string" };
    case "bytes":
      return { type: "string", contentEncoding: "base64" };
    case "timestamp":
      return { type: "integer", description: "epoch milliseconds" };
    case "vector":
      return {
        type: "array",
        items: { type: "number", format: "float" },
        minItems: field.length,
        maxItems: field.length,
      };
  }
}

/**
 * A JSON Schema (2020-12) object schema for records of `schema`, as they appear in JSON (bytes as
 * base64). Each property carries `x-mlstack-type` so {@link schemaFromJsonSchema} restores it exactly.
 */
export function schemaToJsonSchema(schema: Schema): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const field of schema.fields) {
    const base = valueJsonSchema(field);
    const prop: JsonSchema = field.nullable ? { ...base, type: [base.type, "null"] } : base;
    prop[JSON_SCHEMA_TYPE_KEYWORD] = field.type;
    if (field.description !== undefined && field.type !== "timestamp") prop.description = field.description;
    properties[field.name] = prop;
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties,
    required: schema.fields.filter((f) => !f.nullable).map((f) => f.name),
    additionalProperties: false,
  };
}

function inferFromJson(name: string, prop: JsonSchema): { type: ValueType; length?: number; nullable: boolean } {
  const rawType = prop.type;
  const types = Array.isArray(rawType) ? (rawType as string[]) : [rawType as string];
  const nullable = types.includes("null");
  const annotated = prop[JSON_SCHEMA_TYPE_KEYWORD];
  const length = typeof prop.maxItems === "number" ? prop.maxItems : undefined;
  if (
    typeof annotated === "string" &&
    ((SCALAR_TYPES as readonly string[]).includes(annotated) || annotated === "vector")
  ) {
    return {
      type: annotated as ValueType,
      ...(annotated === "vector" && length !== undefined ? { length } : {}),
      nullable,
    };
  }
  const main = types.find((t) => t !== "null");
  switch (main) {
    case "boolean":
      return { type: "bool", nullable };
    case "integer":
      return { type: prop.format === "int32" ? "int32" : "int64", nullable };
    case "number":
      return { type: prop.format === "float" ? "float32" : "float64", nullable };
    case "string":
      return { type: prop.contentEncoding === "base64" ? "bytes" : "string", nullable };
    case "array":
      if (length !== undefined && prop.minItems === length) return { type: "vector", length, nullable };
  }
  throw new MlstackError("INVALID_ARGUMENT", `cannot map JSON Schema of property "${name}" to a value type`, {
    details: { field: name, jsonSchema: prop },
  });
}

/**
 * Reads an object JSON Schema back into a {@link Schema}. Properties not listed in `required` and
 * properties that admit null become nullable fields. Only the subset of JSON Schema that
 * {@link schemaToJsonSchema} writes (plus plain types and formats) is understood.
 */
export function schemaFromJsonSchema(json: JsonSchema): Schema {
  if (json.type !== "object" || typeof json.properties !== "object" || json.properties === null) {
    throw new MlstackError("INVALID_ARGUMENT", "expected a JSON Schema of type object with properties");
  }
  const required = new Set(Array.isArray(json.required) ? (json.required as string[]) : []);
  const fields: Field[] = Object.entries(json.properties as Record<string, JsonSchema>).map(([name, prop]) => {
    const { type, length, nullable } = inferFromJson(name, prop);
    const isNullable = nullable || !required.has(name);
    return {
      name,
      type,
      ...(length === undefined ? {} : { length }),
      ...(isNullable ? { nullable: true } : {}),
      ...(typeof prop.description === "string" && type !== "timestamp" ? { description: prop.description } : {}),
    };
  });
  return defineSchema(fields);
}
