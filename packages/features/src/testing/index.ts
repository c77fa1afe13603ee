/**
 * The FeatureStore conformance suite (vitest): run it on every implementation, with a brute-force
 * point-in-time oracle for property tests.
 *
 * @packageDocumentation
 * @module @mlstack/features/testing
 */

export * from "./conformance.js";
export * from "./oracle.js";
