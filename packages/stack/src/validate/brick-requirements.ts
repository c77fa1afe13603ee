import type { StackCore } from "../stack-core.js";
import type { SlotRequirement } from "./slot-requirement.js";

/** The requirements the bricks declare themselves (`requires`), as errors: a brick cannot work without them. */
export function brickRequirements(core: StackCore): SlotRequirement[] {
  const reqs: SlotRequirement[] = [];
  for (const { path, brick } of core.entries()) {
    for (const r of brick.requires ?? []) {
      reqs.push({
        slot: r.slot as SlotRequirement["slot"],
        ...(r.capabilities === undefined ? {} : { capabilities: r.capabilities }),
        missing: "error",
        lacking: "error",
        by: `${path} ("${brick.name}")`,
        reason: r.reason ?? `"${brick.name}" declares it in its requires`,
      });
    }
  }
  return reqs;
}
