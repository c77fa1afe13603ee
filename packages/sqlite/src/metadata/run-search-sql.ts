import type { RunAttribute, RunField, RunFilter, StorageRunQuery } from "@mlstack/metadata";

/** A SQL fragment with its parameters in text order. */
interface Sql {
  text: string;
  params: unknown[];
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

// Runs whose `field` row satisfies `condition` (on the row's `value`), as a two-valued test. Params and
// tags are found through their (key, value) index; latest metrics, whose values change on every batch and
// so carry no such index, are probed per run through (run_id, key).
function keyed(field: Exclude<RunField, { type: "attribute" }>, condition: string, params: unknown[]): Sql {
  const where = `key = ?${condition ? ` AND ${condition}` : ""}`;
  return {
    text:
      field.type === "metric"
        ? `EXISTS (SELECT 1 FROM md_latest_metrics m WHERE m.run_id = r.run_id AND m.${where})`
        : `r.run_id IN (SELECT run_id FROM ${TABLES[field.type]} WHERE ${where})`,
    params: [field.key, ...params],
  };
}

/**
 * Compiles a run filter to a WHERE clause with the reference semantics: every leaf is two-valued
 * (a missing key, a NULL attribute or a NaN metric, stored as NULL, makes a comparison false, never
 * unknown), so NOT behaves as in the reference. `like` calls the engine's own matcher.
 */
export function filterSql(filter: RunFilter): Sql {
  switch (filter.kind) {
    case "and":
    case "or": {
      const parts = filter.filters.map(filterSql);
      return {
        text: `(${parts.map((p) => p.text).join(filter.kind === "and" ? " AND " : " OR ")})`,
        params: parts.flatMap((p) => p.params),
      };
    }
    case "not": {
      const inner = filterSql(filter.filter);
      return { text: `NOT ${inner.text}`, params: inner.params };
    }
    case "compare":
      return filter.field.type === "attribute"
        ? { text: `coalesce(${COLUMNS[filter.field.key]} ${filter.op} ?, 0)`, params: [filter.value] }
        : keyed(filter.field, `value ${filter.op} ?`, [filter.value]);
    case "like": {
      const ci = filter.caseInsensitive ? 1 : 0;
      return filter.field.type === "attribute"
        ? { text: `coalesce(mlstack_like(${COLUMNS[filter.field.key]}, ?, ?), 0)`, params: [filter.pattern, ci] }
        : keyed(filter.field, "mlstack_like(value, ?, ?)", [filter.pattern, ci]);
    }
    case "in": {
      const list = JSON.stringify(filter.values);
      return filter.field.type === "attribute"
        ? { text: `coalesce(${COLUMNS[filter.field.key]} IN (SELECT value FROM json_each(?)), 0)`, params: [list] }
        : keyed(filter.field, "value IN (SELECT value FROM json_each(?))", [list]);
    }
    case "isNull":
      if (filter.field.type === "attribute") return { text: `${COLUMNS[filter.field.key]} IS NULL`, params: [] };
      return { text: `NOT ${keyed(filter.field, "", []).text}`, params: [filter.field.key] };
  }
}

/**
 * The query of one page of run ids: filter, then each ordering key with absent values last (and a
 * NaN metric just before them), as the reference ordering does.
 */
export function searchSql(query: StorageRunQuery): Sql {
  const joins: Sql[] = [];
  const order: string[] = [];
  query.orderBy.forEach(({ field, direction }, i) => {
    const dir = direction === "desc" ? "DESC" : "ASC";
    if (field.type === "attribute") {
      const col = COLUMNS[field.key];
      order.push(`(${col} IS NULL)`, `${col} ${dir}`);
      return;
    }
    const o = `o${i}`;
    joins.push({
      text: `LEFT JOIN ${TABLES[field.type]} ${o} ON ${o}.run_id = r.run_id AND ${o}.key = ?`,
      params: [field.key],
    });
    order.push(
      field.type === "metric"
        ? `(CASE WHEN ${o}.run_id IS NULL THEN 2 WHEN ${o}.value IS NULL THEN 1 ELSE 0 END)`
        : `(${o}.run_id IS NULL)`,
      `${o}.value ${dir}`,
    );
  });
  const where: Sql[] = [
    { text: "r.experiment_id IN (SELECT value FROM json_each(?))", params: [JSON.stringify(query.experimentIds)] },
  ];
  if (query.lifecycle !== "all") where.push({ text: "r.lifecycle = ?", params: [query.lifecycle] });
  if (query.filter) where.push(filterSql(query.filter));
  return {
    text:
      `SELECT r.run_id AS run_id FROM md_runs r ${joins.map((j) => j.text).join(" ")} ` +
      `WHERE ${where.map((w) => w.text).join(" AND ")} ORDER BY ${order.join(", ")} LIMIT ? OFFSET ?`,
    params: [...joins.flatMap((j) => j.params), ...where.flatMap((w) => w.params), query.limit, query.offset],
  };
}
