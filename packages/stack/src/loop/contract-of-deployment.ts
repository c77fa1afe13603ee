import type { ModelContract } from "../spec.js";
import type { StackCore } from "../stack-core.js";

/**
 * The model contract that deploys under `deployment` (its `deployment.name`, else its model name), if
 * any: it tells which serving and monitor bricks hold the deployment when a slot has several.
 */
export function contractOfDeployment(core: StackCore, deployment: string): ModelContract | undefined {
  return core.options.models?.find((m) => (m.deployment?.name ?? m.name) === deployment);
}
