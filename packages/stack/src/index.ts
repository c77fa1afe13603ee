/**
 * The Stack composer of mlstack: composes the six bricks, proves that they fit (`validate()`), starts
 * and stops them in order, records lineage from data commits to served predictions, checks every call
 * of a principal against an access policy, draws which canonical stage each brick covers, and closes
 * the loop from a drift alert back to training.
 *
 * @packageDocumentation
 * @module @mlstack/stack
 */

export { createTestStack, type TestStack, type TestStackOptions } from "./create-test-stack.js";
export { defineStack } from "./define-stack.js";
export { type InterceptedCall, interceptBrick } from "./intercept-brick.js";
export { PERMISSIONS } from "./permissions.js";
export { isSecretRef, redactSecrets, SecretRef } from "./secret-ref.js";
export * from "./spec.js";
export { stackOptionsSchema } from "./stack-options.js";
export { dataInputResolver } from "./wiring/data-input-resolver.js";
export { registryModelResolver } from "./wiring/registry-model-resolver.js";
