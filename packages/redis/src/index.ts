/**
 * Redis backends of mlstack (ioredis): FeatureStore online storage and a TrainingEngine executor on
 * BullMQ, so worker processes on many machines take jobs from one queue.
 *
 * @packageDocumentation
 * @module @mlstack/redis
 */

export * from "./connection.js";
export * from "./errors.js";
export * from "./features/index.js";
