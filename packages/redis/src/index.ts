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
export { BullmqExecutor, type BullmqExecutorOptions, createBullmqExecutor } from "./training/bullmq-executor.js";
export {
  BullmqWorker,
  type BullmqWorkerEvents,
  type BullmqWorkerOptions,
  createBullmqWorker,
} from "./training/bullmq-worker.js";
export { importTrainers } from "./training/import-trainers.js";
