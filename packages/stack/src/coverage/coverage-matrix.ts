import { CANONICAL_STAGES, type CanonicalStage, type CoverageLevel } from "@mlstack/core";
import type { CoverageColumn, StageCoverage } from "../spec.js";

/** The matrix of a stack's coverage: its columns and, for every canonical stage, what covers it. */
export interface CoverageMatrix {
  /** The stack's name, for titles. */
  readonly name: string;
  readonly columns: readonly CoverageColumn[];
  /** One row per canonical stage, in canonical order. */
  readonly stages: readonly StageCoverage[];
  readonly gaps: readonly CanonicalStage[];
  readonly partial: readonly CanonicalStage[];
}

/** Reads the matrix off the columns: a stage's level is the best level any column reaches. */
export function coverageMatrix(name: string, columns: readonly CoverageColumn[]): CoverageMatrix {
  const stages: StageCoverage[] = CANONICAL_STAGES.map((stage) => {
    const by: { path: string; level: CoverageLevel }[] = [];
    for (const column of columns) {
      const level = column.coverage[stage];
      if (level === "full" || level === "partial") by.push({ path: column.path, level });
    }
    const level = by.some((b) => b.level === "full") ? "full" : by.length > 0 ? "partial" : "none";
    return { stage, level, by };
  });
  return {
    name,
    columns,
    stages,
    gaps: stages.filter((s) => s.level === "none").map((s) => s.stage),
    partial: stages.filter((s) => s.level === "partial").map((s) => s.stage),
  };
}
