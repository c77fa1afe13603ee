import type { RunAttribute, RunField, RunFilter, StorageRunQuery } from "@mlstack/metadata";

/** Collects query parameters; `add` returns the placeholder (`$1`, `$2`, ...) of a value. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const COLUMNS: Record<RunAttribute, string> = {
  runId: "r.run_id",
  experimentId: "r.experiment_id",
  parentRunId: "r.parent_run_id",
  name: "r.name",
  status: "r.status",
  startTime: "r.start_time",
  endTime: "r.end_time",
};
const TABLES = { metric: "md_latest_metrics", param: "md_params", tag: "md_tags" } as const;

// Folds ASCII letters only, as the reference's case-insensitive `like` does on every backend.
const FOLD = "translate(%s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";
const foldAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * A `like` pattern as an anchored Postgres regular expression with the reference's meaning: `%` any
 * run of characters, `_` exactly one, everything else literal (every non-alphanumeric character is
 * escaped; in an ARE, backslash before one is always that character).
 */
export function likeRegex(pattern: string, caseInsensitive: boolean): string {
  const body = Array.from(caseInsensitive ? foldAscii(pattern) : pattern)
    .map((c) => (c === "%" ? ".*" : c === "_" ? "." : /[\p{L}\p{N}]/u.test(c) ? c : `\\${c}`))
    .join("");
  return `^${body}$`;
}

function likeTest(column: string, pattern: string, ci: boolean, p: Params): string {
  const subject = ci ? FOLD.replace("%s", column) : column;
  return `${subject} ~ ${p.add(likeRegex(pattern, ci))}`;
}

const cast = (value: number | string) => (typeof value === "number" ? "float8" : "text");

// Runs whose `field` row satisfies `condition` (on the row's `value`), as a two-valued test.
function keyed(field: Exclude<RunField, { type: "attribute" }>, condition: string | null, p: Params): string {
  const where = `x.key = ${p.add(field.key)}${condition === null ? "" : ` AND ${condition}`}`;
  return `EXISTS (SELECT 1 FROM ${TABLES[field.type]} x WHERE x.run_id = r.run_id AND ${where})`;
}

/**
 * Compiles a run filter to a WHERE clause with the reference semantics: every leaf is two-valued (a
 * missing key, a NULL attribute or a NaN metric, stored as NULL, makes a comparison false, never
 * unknown), so NOT behaves as in the reference.
 */
export function filterSql(filter: RunFilter, p: Params): string {
  switch (filter.kind) {
    case "and":
    case "or": {
      const parts = filter.filters.map((f) => filterSql(f, p));
      return `(${parts.join(filter.kind === "and" ? " AND " : " OR ")})`;
    }
    case "not":
      return `NOT ${filterSql(filter.filter, p)}`;
    case "compare": {
      const value = `${p.add(filter.value)}::${cast(filter.value)}`;
      const op = filter.op === "!=" ? "<>" : filter.op;
      return filter.field.type === "attribute"
        ? `coalesce(${COLUMNS[filter.field.key]} ${op} ${value}, false)`
        : keyed(filter.field, `x.value ${op} ${value}`, p);
    }
    // Validation admits \`like\` and \`in\` on string fields only (params, tags, text attributes).
    case "like": {
      const ci = filter.caseInsensitive === true;
      return filter.field.type === "attribute"
        ? `coalesce(${likeTest(COLUMNS[filter.field.key], filter.pattern, ci, p)}, false)`
        : keyed(filter.field, likeTest("x.value", filter.pattern, ci, p), p);
    }
    case "in": {
      const values = `ANY(${p.add(filter.values)}::text[])`;
      return filter.field.type === "attribute"
        ? `coalesce(${COLUMNS[filter.field.key]} = ${values}, false)`
        : keyed(filter.field, `x.value = ${values}`, p);
    }
    case "isNull":
      if (filter.field.type === "attribute") return `${COLUMNS[filter.field.key]} IS NULL`;
      return `NOT ${keyed(filter.field, null, p)}`;
  }
}

/**
 * The query of one page of run ids: filter, then each ordering key with absent values last (and a NaN
 * metric just before them), as the reference ordering does. Table names are unqualified (`md_*`).
 */
export function searchSql(query: StorageRunQuery): { text: string; values: unknown[] } {
  const p = new Params();
  const joins: string[] = [];
  const order: string[] = [];
  query.orderBy.forEach(({ field, direction }, i) => {
    const dir = direction === "desc" ? "DESC" : "ASC";
    if (field.type === "attribute") {
      const col = COLUMNS[field.key];
      order.push(`(${col} IS NULL)`, `${col} ${dir}`);
      return;
    }
    const o = `o${i}`;
    joins.push(`LEFT JOIN ${TABLES[field.type]} ${o} ON ${o}.run_id = r.run_id AND ${o}.key = ${p.add(field.key)}`);
    order.push(
      field.type === "metric"
        ? `(CASE WHEN ${o}.run_id IS NULL THEN 2 WHEN ${o}.value IS NULL THEN 1 ELSE 0 END)`
        : `(${o}.run_id IS NULL)`,
      `${o}.value ${dir}`,
    );
  });
  const where = [`r.experiment_id = ANY(${p.add(query.experimentIds)}::text[])`];
  if (query.lifecycle !== "all") where.push(`r.lifecycle = ${p.add(query.lifecycle)}`);
  if (query.filter) where.push(filterSql(query.filter, p));
  const text =
    `SELECT r.run_id FROM md_runs r ${joins.join(" ")} WHERE ${where.join(" AND ")} ` +
    `ORDER BY ${order.join(", ")} LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`;
  return { text, values: p.values };
}
