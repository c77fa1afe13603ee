/**
 * The Monitor conformance suite (vitest): golden drift values, profile merge properties, the alert
 * state machine and the quality checks, for any Monitor implementation.
 *
 * @packageDocumentation
 * @module @mlstack/monitor/testing
 */

export { monitorConformance } from "./conformance.js";
export type { DriftGolden, DriftGoldenCase, Fixture, MonitorConformanceOptions } from "./harness.js";
export { expectClose, expectCode } from "./harness.js";
