/**
 * The ServingEngine brick of mlstack: deployments of model versions with revisions and rollback,
 * adaptive batching, traffic split with sticky routing, shadow traffic, model runtimes (functions, the
 * reference trainer's linear models, ONNX), and the Open Inference Protocol over HTTP with a typed client.
 *
 * @packageDocumentation
 * @module @mlstack/serving
 */

export { Batcher, type BatcherOptions, type BatchResult, type ExecutionReport } from "./engine/batcher.js";
export { createServingEngine, type ServingEngineOptions } from "./engine/serving-engine.js";
export { compareOutputs, type OutputDifference } from "./engine/shadow-compare.js";
export { isValidElement, type PlainTensor } from "./engine/tensor-codec.js";
export { fnv1a, routeByKey, type WeightedVersion } from "./engine/traffic-router.js";
export * from "./http/inference-client.js";
export * from "./http/inference-server.js";
export * from "./http/serving-metrics.js";
export { createFunctionRuntime, type ModelFunction } from "./runtimes/function-runtime.js";
export { createLinearModelRuntime } from "./runtimes/linear-model-runtime.js";
export { createOnnxRuntime } from "./runtimes/onnx-runtime.js";
export * from "./schemas.js";
export * from "./spec.js";
export { FileServingStorage } from "./storage/file.js";
export { MemoryServingStorage } from "./storage/memory.js";
export type { ServingStorage, StoredDeployment, StoredRevision } from "./storage/spec.js";
