import { SPECIFICATION_VERSION } from "@mlstack/core";
import type { Finding } from "../spec.js";
import type { StackCore } from "../stack-core.js";

/** One error per brick that implements another interface version than core's. */
export function checkSpecVersions(core: StackCore): Finding[] {
  const findings: Finding[] = [];
  for (const { path, slot, brick } of core.entries()) {
    if (brick.specificationVersion === SPECIFICATION_VERSION) continue;
    findings.push({
      code: "SPEC_VERSION_MISMATCH",
      severity: "error",
      path,
      message: `${slot} brick "${brick.name}" implements specification ${JSON.stringify(brick.specificationVersion)}, but this stack speaks "${SPECIFICATION_VERSION}"`,
      hint: `use a version of "${brick.name}" that implements specification "${SPECIFICATION_VERSION}"`,
    });
  }
  return findings;
}
