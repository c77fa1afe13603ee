import { CANONICAL_STAGES, type CanonicalStage, type Coverage, type CoverageLevel } from "@mlstack/core";
import type { CoverageColumn } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { extraColor, SLOT_COLORS, STACK_COLOR } from "./coverage-palette.js";

/**
 * The columns of a stack's coverage: every brick (slot order, the default first), each with its own
 * colour, then the Stack itself, which covers lineage across bricks when it records lineage into a
 * MetadataStore, and access control when it has a policy.
 */
export function coverageColumns(core: StackCore): CoverageColumn[] {
  const columns: CoverageColumn[] = [];
  let extras = 0;
  for (const entry of core.entries()) {
    columns.push({
      path: entry.path,
      slot: entry.slot,
      implementation: entry.brick.name,
      color: entry.isDefault ? SLOT_COLORS[entry.slot] : extraColor(extras++),
      coverage: declaredCoverage(entry.brick.coverage),
    });
  }
  const stack: Partial<Record<CanonicalStage, CoverageLevel>> = {};
  if (core.lineage !== undefined) stack.lineage = "full";
  if (core.options.policy !== undefined) stack["access-control"] = "full";
  columns.push({
    path: "stack",
    slot: "stack",
    implementation: "stack",
    color: STACK_COLOR,
    coverage: Object.freeze(stack),
  });
  return columns;
}

// A brick's declaration, kept to canonical stages and levels (a plain-JS brick may declare anything).
function declaredCoverage(declared: Coverage | undefined): Coverage {
  const kept: Partial<Record<CanonicalStage, CoverageLevel>> = {};
  if (typeof declared !== "object" || declared === null) return Object.freeze(kept);
  for (const stage of CANONICAL_STAGES) {
    const level = declared[stage];
    if (level === "full" || level === "partial") kept[stage] = level;
  }
  return Object.freeze(kept);
}
