import { MlstackError } from "@mlstack/core";
import type { DeploymentStatus } from "@mlstack/serving";
import type { StackDeployInput } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the drift-loop work.
export async function deployModel(_core: StackCore, _input: StackDeployInput): Promise<DeploymentStatus> {
  throw new MlstackError("NOT_SUPPORTED", "not built yet");
}
