/**
 * The Stack composer of mlstack: composes the six bricks, proves that they fit (`validate()`), starts
 * and stops them in order, records lineage from data commits to served predictions, checks every call
 * of a principal against an access policy, draws which canonical stage each brick covers, and closes
 * the loop from a drift alert back to training.
 *
 * @packageDocumentation
 * @module @mlstack/stack
 */

export { DEFAULT_AUDIT_EXPERIMENT } from "./access/audit.js";
export {
  type AccessRequirement,
  BRICK_PERMISSIONS,
  type BrickAccessTable,
  type BrickMethod,
  type MethodAccess,
} from "./access/brick-permissions.js";
export { ALL_RESOURCES } from "./access/match-resource.js";
export { createTestStack, type TestStack, type TestStackOptions, type TestStackShared } from "./create-test-stack.js";
export { defineStack } from "./define-stack.js";
export { type InterceptedCall, interceptBrick } from "./intercept-brick.js";
export { explainLineage } from "./lineage/explain-lineage.js";
export { EXPERIMENT_LABEL, PARENT_RUN_LABEL, RUN_NAME_LABEL } from "./lineage/record-training-job.js";
export { DRIFT_METRICS, driftPolicySchema } from "./loop/on-drift.js";
export { RETRAIN_EXECUTION_TYPE } from "./loop/record-retrain.js";
export { DEFAULT_CANARY_WEIGHT, RETRAIN_OF_LABEL, TRAINING_JOB_TAG } from "./loop/retrain-from-alert.js";
export { PERMISSIONS } from "./permissions.js";
export { isSecretRef, redactSecrets, SecretRef } from "./secret-ref.js";
export * from "./spec.js";
export { stackOptionsSchema } from "./stack-options.js";
export {
  DEFAULT_TRAINING_SET_REPO,
  dataInputResolver,
  trainingSetSnapshotPath,
} from "./wiring/data-input-resolver.js";
export { registryModelResolver } from "./wiring/registry-model-resolver.js";
export { stackDeployInputSchema } from "./workflows/deploy-model.js";
export { deriveServingSignature, FEATURES_TENSOR } from "./workflows/derive-serving-signature.js";
export { rowsToInferenceRequest } from "./workflows/rows-to-inference-request.js";
