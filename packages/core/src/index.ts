/**
 * Shared primitives of mlstack: the error type, the brick contract and capability manifests, injected
 * time and ids, seeded randomness, lineage refs, typed events and progress, and the value schemas
 * every brick speaks.
 *
 * @packageDocumentation
 * @module @mlstack/core
 */

export * from "./artifact-store.js";
export * from "./brick.js";
export * from "./clock.js";
export * from "./compare-schemas.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./hash.js";
export * from "./ids.js";
export * from "./linear-model.js";
export * from "./random.js";
export * from "./refs.js";
export * from "./schema.js";
export * from "./schema-json.js";
export * from "./schema-zod.js";
export * from "./validate.js";
