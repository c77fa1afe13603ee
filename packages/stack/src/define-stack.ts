import { ComposedStack } from "./composed-stack.js";
import type { Stack, StackBricks, StackOptions } from "./spec.js";
import { createStackCore } from "./stack-core.js";

/**
 * Composes bricks into a {@link Stack}: a plain value, no global state. Slots are typed (a brick of the
 * wrong kind does not compile) and checked at run time (`INVALID_ARGUMENT`, naming every problem).
 * A slot holds one brick or `{ bricks: { name: brick, ... }, default: name }`.
 */
export function defineStack(bricks: StackBricks, options: StackOptions = {}): Stack {
  return new ComposedStack(createStackCore(bricks, options));
}
