import type { Finding, ValidationReport } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { brickRequirements } from "./brick-requirements.js";
import { checkContracts } from "./check-contracts.js";
import { checkSlotRequirement } from "./check-slot-requirement.js";
import { checkSpecVersions } from "./check-spec-versions.js";
import { STACK_REQUIREMENTS } from "./stack-requirements.js";

/**
 * Every finding about how the bricks of a stack fit, in a deterministic order: specification versions,
 * what each brick `requires`, what the stack's own wiring needs ({@link STACK_REQUIREMENTS}), then the
 * model contracts. Pure: it reads only manifests (kind, name, specification version, capabilities,
 * requires) and the options, never calls a brick, and never stops at the first problem.
 */
export function validateStack(core: StackCore): ValidationReport {
  const findings: Finding[] = [
    ...checkSpecVersions(core),
    ...brickRequirements(core).flatMap((req) => checkSlotRequirement(core, req)),
    ...STACK_REQUIREMENTS.filter((row) => row.when(core.options)).flatMap((row) =>
      checkSlotRequirement(core, row.requirement),
    ),
    ...checkContracts(core),
  ];
  return Object.freeze({
    ok: findings.every((f) => f.severity !== "error"),
    findings: Object.freeze(findings.map((f) => Object.freeze(f))),
  });
}
