import { parseInput } from "@mlstack/core";
import type { z } from "zod";
import { inferenceRequestSchema } from "../schemas.js";

/** A parsed inference request: what {@link parseInferenceRequest} returns. */
export type ParsedInferenceRequest = z.output<typeof inferenceRequestSchema>;

const MAX_INDEX = Number.MAX_SAFE_INTEGER;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isShape(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const d = value[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0 || d > MAX_INDEX) return false;
  }
  return true;
}

// The common request shape, checked by hand: every condition here is one the schema also imposes, so a
// request passing it is one the schema accepts unchanged (it only strips unknown keys, which nothing reads).
// Anything else (parameters, requested outputs, any mistake) goes through the schema, which says what is wrong.
function isCommonRequest(request: unknown): request is ParsedInferenceRequest {
  if (!isRecord(request)) return false;
  const { id, parameters, inputs, outputs } = request;
  if (id != null && typeof id !== "string") return false;
  if (parameters != null || outputs != null) return false;
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  for (let i = 0; i < inputs.length; i++) {
    const input: unknown = inputs[i];
    if (!isRecord(input)) return false;
    if (typeof input.name !== "string" || typeof input.datatype !== "string") return false;
    if (input.parameters != null || !Array.isArray(input.data) || !isShape(input.shape)) return false;
  }
  return true;
}

/**
 * Validates an inference request against `inferenceRequestSchema`. The common shape (inputs with name,
 * datatype, shape and data, no parameters or output selection) is checked without zod and returned as
 * given; every other request is parsed by the schema, and an invalid one throws its `INVALID_ARGUMENT`.
 */
export function parseInferenceRequest(request: unknown): ParsedInferenceRequest {
  if (isCommonRequest(request)) return request;
  return parseInput(inferenceRequestSchema, request, "inference request");
}
