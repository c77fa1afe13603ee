import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";

/** The component schemas of the OIP REST spec that bodies are checked against. */
export type OipSchemaName =
  | "metadata_server_response"
  | "metadata_server_error_response"
  | "metadata_model_response"
  | "metadata_model_error_response"
  | "inference_request"
  | "inference_response"
  | "inference_error_response";

/** Validates bodies against the Open Inference Protocol's OpenAPI schemas. */
export interface OipValidator {
  /** Throws, listing every violation, when `body` does not match the named schema. */
  validate(schema: OipSchemaName, body: unknown): void;
  /** Validates one HTTP answer by its endpoint and status; health and metrics bodies only need JSON errors. */
  validateResponse(method: string, path: string, status: number, body: unknown): void;
}

// OpenAPI 3.0 schema objects are JSON Schema plus `nullable`, vendor `x-` keys and `example`;
// refs point into `#/components/schemas`.
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("x-") || key === "example" || key === "nullable") continue;
    out[key] = key === "$ref" ? String(value).replace("#/components/schemas/", "#/definitions/") : toJsonSchema(value);
  }
  if ((node as { nullable?: boolean }).nullable === true) {
    return typeof out.type === "string" ? { ...out, type: [out.type, "null"] } : { anyOf: [out, { type: "null" }] };
  }
  return out;
}

/**
 * Builds a validator from the text of `open_inference_rest.yaml`. Known defects of that spec are handled:
 * error objects there do not all require `error` (the prose does), so every error body here must carry
 * a string `error`; ready probes are judged by status (the spec writes the server-ready body as `live`).
 */
export function createOipValidator(openApiYaml: string): OipValidator {
  const doc = parse(openApiYaml) as { components: { schemas: Record<string, unknown> } };
  const definitions = toJsonSchema(doc.components.schemas) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addSchema({ $id: "oip", definitions });
  const compiled = new Map<string, ValidateFunction>();
  const errorBody = ajv.compile({
    type: "object",
    properties: { error: { type: "string" } },
    required: ["error"],
  });

  const check = (fn: ValidateFunction, label: string, body: unknown) => {
    if (!fn(body)) {
      const problems = (fn.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
      throw new Error(`body does not match ${label}: ${problems}\n${JSON.stringify(body)?.slice(0, 500)}`);
    }
  };

  const validate = (schema: OipSchemaName, body: unknown) => {
    if (!Object.hasOwn(definitions, schema)) throw new Error(`the spec has no schema ${schema}`);
    let fn = compiled.get(schema);
    if (!fn) {
      fn = ajv.compile({ $ref: `oip#/definitions/${schema}` });
      compiled.set(schema, fn);
    }
    check(fn, schema, body);
    if (schema.endsWith("error_response")) check(errorBody, `${schema} (with the required error)`, body);
  };

  return {
    validate,
    validateResponse(method, path, status, body) {
      const ok = status >= 200 && status < 300;
      if (path === "/v2" || path === "/v2/") {
        return validate(ok ? "metadata_server_response" : "metadata_server_error_response", body);
      }
      if (/^\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/infer$/.test(path) && method === "POST") {
        return validate(ok ? "inference_response" : "inference_error_response", body);
      }
      if (/^\/v2\/models\/[^/]+(\/versions\/[^/]+)?$/.test(path)) {
        return validate(ok ? "metadata_model_response" : "metadata_model_error_response", body);
      }
      if (!ok) check(errorBody, "an error body", body);
    },
  };
}
