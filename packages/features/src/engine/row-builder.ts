import type { Row } from "../spec.js";

/** Builds an output row: the entity row's columns, then the features in `values` order. */
export type RowBuilder = (row: Row, values: readonly unknown[]) => Row;

/**
 * Compiles a row builder for entity rows with exactly these keys: one object literal, which V8
 * allocates at its final size in one step. Adding columns one by one to a copy is several times slower
 * and dominates million-row retrievals. Names are embedded as JSON string literals, so any name is safe;
 * `__proto__` (which a literal would treat as the prototype) gets the generic copy.
 */
export function compileRowBuilder(keys: readonly string[], outputs: readonly string[]): RowBuilder {
  if (keys.includes("__proto__") || outputs.includes("__proto__")) return genericBuilder(outputs);
  const fields = [
    ...keys.map((k) => `${JSON.stringify(k)}: row[${JSON.stringify(k)}]`),
    ...outputs.map((name, i) => `${JSON.stringify(name)}: values[${i}]`),
  ];
  return new Function("row", "values", `return { ${fields.join(", ")} };`) as RowBuilder;
}

function genericBuilder(outputs: readonly string[]): RowBuilder {
  return (row, values) => {
    const out: Row = {};
    for (const key of Object.keys(row))
      Object.defineProperty(out, key, { value: row[key], enumerable: true, writable: true, configurable: true });
    outputs.forEach((name, i) => {
      Object.defineProperty(out, name, { value: values[i], enumerable: true, writable: true, configurable: true });
    });
    return out;
  };
}

/** Builds row `i` of columns: `{ [names[k]]: columns[k][i] }`. */
export type ColumnRowBuilder = (columns: readonly (readonly unknown[])[], i: number) => Record<string, unknown>;

/** Compiles a {@link ColumnRowBuilder} for these names, one object literal per row (see `compileRowBuilder`). */
export function compileColumnRowBuilder(names: readonly string[]): ColumnRowBuilder {
  if (names.includes("__proto__")) {
    const generic = genericBuilder(names);
    return (columns, i) =>
      generic(
        {},
        columns.map((column) => column[i]),
      );
  }
  const fields = names.map((name, k) => `${JSON.stringify(name)}: columns[${k}][i]`);
  return new Function("columns", "i", `return { ${fields.join(", ")} };`) as ColumnRowBuilder;
}
