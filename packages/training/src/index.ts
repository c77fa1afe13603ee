/**
 * The TrainingEngine brick of mlstack: named, versioned trainers; jobs with a lifecycle, retries,
 * checkpoints and time limits; executors in-process, on worker threads and in child processes;
 * hyperparameter sweeps; a reproducibility record for every job; and the reference trainer
 * (logistic and linear regression) that writes core's linear model format.
 *
 * @packageDocumentation
 * @module @mlstack/training
 */

export { defineCommandTrainer, defineTrainer, isCommandTrainer, isTrainer } from "./define-trainer.js";
export { type MedianStoppingSettings, medianStoppingRule } from "./engine/median-stopping-rule.js";
export { gridTrials, gridValues, sampleTrial } from "./engine/search-space.js";
export { createTrainingEngine, ReferenceTrainingEngine, type TrainingEngineOptions } from "./engine/training-engine.js";
export { ChildProcessExecutor, type ChildProcessOptions, childProcessExecutor } from "./executors/child-process.js";
export type {
  AttemptHost,
  ExecutionOutcome,
  ExecutionRequest,
  Executor,
  ExecutorCapabilities,
} from "./executors/executor.js";
export { InProcessExecutor, inProcessExecutor } from "./executors/in-process.js";
export { WorkerThreadsExecutor, type WorkerThreadsOptions, workerThreadsExecutor } from "./executors/worker-threads.js";
export { MemoryInputResolver } from "./memory-input-resolver.js";
export type {
  AttemptStart,
  HostMessage,
  RequestMethod,
  TrainerMessage,
  TrainerRequests,
  WireError,
} from "./runtime/protocol.js";
export * from "./schemas.js";
export * from "./spec.js";
export { MemoryTrainingStorage } from "./storage/memory.js";
export type { TrainingStorage } from "./storage/spec.js";
export { logLoss, rmse, rocAuc } from "./trainers/evaluate.js";
export { type FitLinearModelOptions, type FitLinearModelResult, fitLinearModel } from "./trainers/fit-linear-model.js";
export { type LinearTrainerParams, linearTrainer, linearTrainerParamsSchema } from "./trainers/linear-trainer.js";
