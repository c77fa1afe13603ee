import type { Row } from "../spec.js";

/** Builds output row `i`: the entity row's columns, then feature `k` from `columns[k][i]`. */
export type RowBuilder = (row: Row, columns: readonly (readonly unknown[])[], i: number) => Row;

/**
 * Compiles a row builder for entity rows with exactly these keys: one object literal, which V8
 * allocates at its final size in one step. Adding columns one by one to a copy is several times slower
 * and dominates million-row retrievals. Names are embedded as JSON string literals, so any name is safe;
 * `__proto__` (which a literal would treat as the prototype) gets a generic copy.
 */
export function compileRowBuilder(keys: readonly string[], outputs: readonly string[]): RowBuilder {
  if (keys.includes("__proto__") || outputs.includes("__proto__")) return genericBuilder(outputs);
  const fields = [
    ...keys.map((k) => `${JSON.stringify(k)}: row[${JSON.stringify(k)}]`),
    ...outputs.map((name, k) => `${JSON.stringify(name)}: columns[${k}][i]`),
  ];
  return new Function("row", "columns", "i", `return { ${fields.join(", ")} };`) as RowBuilder;
}

function genericBuilder(outputs: readonly string[]): RowBuilder {
  const define = (out: Row, key: string, value: unknown): void => {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  };
  return (row, columns, i) => {
    const out: Row = {};
    for (const key of Object.keys(row)) define(out, key, row[key]);
    outputs.forEach((name, k) => {
      define(out, name, (columns[k] as readonly unknown[])[i]);
    });
    return out;
  };
}
