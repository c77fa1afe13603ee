import type { Run, RunField, RunFilter, RunOrder } from "../spec.js";

/** A value a field holds in a run: a number, a string, or null when the key is absent or the attribute null. */
export type FieldValue = number | string | null;

/** The value of `field` in `run`; a metric gives its latest value. */
export function fieldValue(run: Run, field: RunField): FieldValue {
  switch (field.type) {
    case "metric":
      return run.metrics[field.key]?.value ?? null;
    case "param":
      return run.params[field.key] ?? null;
    case "tag":
      return run.tags[field.key] ?? null;
    case "attribute":
      return run[field.key];
  }
}

/** Compares strings by Unicode code point, as SQLite's BINARY collation does on UTF-8. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * Compiles a `like` pattern: `%` matches any run of characters, `_` exactly one (code point);
 * everything else literally. `caseInsensitive` folds ASCII letters only, on every backend alike.
 */
export function compileLike(pattern: string, caseInsensitive = false): (value: string) => boolean {
  const source = Array.from(caseInsensitive ? foldAscii(pattern) : pattern)
    .map((c) => (c === "%" ? ".*" : c === "_" ? "." : c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")))
    .join("");
  const re = new RegExp(`^${source}$`, "su");
  return caseInsensitive ? (v) => re.test(foldAscii(v)) : (v) => re.test(v);
}

function compareValues(op: string, a: number | string, b: number | string): boolean {
  const c =
    typeof a === "number" ? (a < (b as number) ? -1 : a > (b as number) ? 1 : 0) : compareCodePoints(a, b as string);
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    default:
      return c >= 0;
  }
}

/**
 * Compiles a filter into a predicate: the reference semantics of run search. A comparison, `like` or
 * `in` on an absent key, a null attribute or a NaN metric is false; `isNull` is true for an absent key
 * or a null attribute (a NaN metric is present, so not null).
 */
export function compileRunFilter(filter: RunFilter): (run: Run) => boolean {
  switch (filter.kind) {
    case "and": {
      const parts = filter.filters.map(compileRunFilter);
      return (run) => parts.every((p) => p(run));
    }
    case "or": {
      const parts = filter.filters.map(compileRunFilter);
      return (run) => parts.some((p) => p(run));
    }
    case "not": {
      const inner = compileRunFilter(filter.filter);
      return (run) => !inner(run);
    }
    case "compare":
      return (run) => {
        const v = fieldValue(run, filter.field);
        return v !== null && !Number.isNaN(v) && compareValues(filter.op, v, filter.value);
      };
    case "like": {
      const match = compileLike(filter.pattern, filter.caseInsensitive);
      return (run) => {
        const v = fieldValue(run, filter.field);
        return typeof v === "string" && match(v);
      };
    }
    case "in": {
      const set = new Set(filter.values);
      return (run) => {
        const v = fieldValue(run, filter.field);
        return typeof v === "string" && set.has(v);
      };
    }
    case "isNull":
      return (run) => fieldValue(run, filter.field) === null;
  }
}

// Present values first, then NaN, then absent, in either direction.
function rankOf(v: FieldValue): number {
  return v === null ? 2 : typeof v === "number" && Number.isNaN(v) ? 1 : 0;
}

/** The reference ordering of run search: each key in turn, absent values last, NaN just before them. */
export function compareRunsBy(orderBy: readonly Required<RunOrder>[]): (a: Run, b: Run) => number {
  return (a, b) => {
    for (const { field, direction } of orderBy) {
      const x = fieldValue(a, field);
      const y = fieldValue(b, field);
      const rx = rankOf(x);
      const ry = rankOf(y);
      if (rx !== ry) return rx - ry;
      if (rx !== 0) continue;
      const c =
        typeof x === "number"
          ? x < (y as number)
            ? -1
            : x > (y as number)
              ? 1
              : 0
          : compareCodePoints(x as string, y as string);
      if (c !== 0) return direction === "desc" ? -c : c;
    }
    return 0;
  };
}

/** The ordering every search ends with: start time descending, then run id ascending. */
export const DEFAULT_RUN_ORDER: readonly Required<RunOrder>[] = Object.freeze([
  Object.freeze({ field: Object.freeze({ type: "attribute", key: "startTime" }), direction: "desc" }),
  Object.freeze({ field: Object.freeze({ type: "attribute", key: "runId" }), direction: "asc" }),
] as const);
