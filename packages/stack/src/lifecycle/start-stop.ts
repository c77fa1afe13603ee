import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the validation/lifecycle work.
export async function startStack(core: StackCore): Promise<void> {
  for (const e of core.entries()) await e.brick.start?.();
  core.started = true;
}
export async function stopStack(core: StackCore): Promise<void> {
  for (const e of core.entries().reverse()) await e.brick.stop?.();
  core.started = false;
}
