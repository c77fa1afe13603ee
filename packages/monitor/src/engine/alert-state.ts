import type { AlertComparison, AlertRule, AlertState } from "../spec.js";

/** Whether `value comparison threshold` holds. */
export function compareValue(value: number, comparison: AlertComparison, threshold: number): boolean {
  switch (comparison) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}

/**
 * One step of a rule's state machine at time `at`. The condition holding moves inactive → pending, and
 * pending → firing once it has held for `forMs` (at once when forMs is 0); it stays firing without
 * firing again. The condition failing, or the metric having no data (null), resolves a firing alert
 * and clears a pending one.
 */
export function stepAlert(
  rule: AlertRule,
  previous: AlertState | undefined,
  value: number | null,
  at: number,
): { state: AlertState; transition: "firing" | "resolved" | null } {
  const prev = previous?.state ?? "inactive";
  const holds = value !== null && Number.isFinite(value) && compareValue(value, rule.comparison, rule.threshold);
  const base = { ruleId: rule.id, value, evaluatedAt: at, firedAt: previous?.firedAt ?? null };
  if (!holds) {
    return { state: { ...base, state: "inactive", since: null }, transition: prev === "firing" ? "resolved" : null };
  }
  const since = prev === "inactive" || previous?.since == null ? at : previous.since;
  if (prev === "firing") return { state: { ...base, state: "firing", since }, transition: null };
  if (at - since >= rule.forMs) {
    return { state: { ...base, state: "firing", since, firedAt: at }, transition: "firing" };
  }
  return { state: { ...base, state: "pending", since }, transition: null };
}
