/**
 * The conformance suite of the DataEngine brick: run it on every implementation.
 *
 * @packageDocumentation
 * @module @mlstack/data/testing
 */

export { type DataEngineConformanceOptions, dataEngineConformance } from "./conformance.js";
export { mergeOracle, type OracleOutcome } from "./merge-oracle.js";
