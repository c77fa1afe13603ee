/**
 * The ServingEngine conformance suite (written with vitest), its models and hooks, and a validator of
 * bodies against the Open Inference Protocol's OpenAPI schemas.
 *
 * @packageDocumentation
 * @module @mlstack/serving/testing
 */

export * from "./conformance-kit.js";
export * from "./oip-validator.js";
export * from "./serving-conformance.js";
