/**
 * The MetadataStore conformance suite, written with vitest: run it on every implementation with a
 * factory that returns a fresh, isolated store.
 *
 * @packageDocumentation
 * @module @mlstack/metadata/testing
 */

export { metadataStoreConformance } from "./conformance.js";
export type { Fixture, MetadataStoreConformanceOptions, MetadataStoreFactoryOptions } from "./harness.js";
export { expectCode, T0 } from "./harness.js";
