import type { Schema } from "@mlstack/core";
import { ColumnProfile, type ColumnProfileData, type SketchOptions } from "./column-profile.js";

/** The serialized profile of a data set or window: a row count and one profile per schema column. */
export interface DatasetProfileData {
  rows: number;
  columns: Record<string, ColumnProfileData>;
}

/** A mergeable profile of rows under a schema: one {@link ColumnProfile} per field. */
export class DatasetProfile {
  rows = 0;
  readonly columns = new Map<string, ColumnProfile>();

  constructor(
    readonly schema: Schema,
    options: SketchOptions = {},
  ) {
    for (const field of schema.fields) this.columns.set(field.name, new ColumnProfile(field, options));
  }

  /** Adds one row; values of fields the row lacks count as nulls. */
  addRow(row: Readonly<Record<string, unknown>>): void {
    this.rows++;
    for (const [name, profile] of this.columns) profile.add(row[name]);
  }

  merge(other: DatasetProfile): void {
    this.rows += other.rows;
    for (const [name, profile] of this.columns) {
      const theirs = other.columns.get(name);
      if (theirs) profile.merge(theirs);
    }
  }

  toJSON(): DatasetProfileData {
    return {
      rows: this.rows,
      columns: Object.fromEntries([...this.columns].map(([name, p]) => [name, p.toJSON()])),
    };
  }

  /** Rebuilds a profile; columns of the schema missing from `data` start empty. */
  static fromJSON(schema: Schema, data: DatasetProfileData, options: SketchOptions = {}): DatasetProfile {
    const profile = new DatasetProfile(schema, options);
    profile.rows = data.rows;
    for (const field of schema.fields) {
      const column = data.columns[field.name];
      if (column) profile.columns.set(field.name, new ColumnProfile(field, options, column));
    }
    return profile;
  }

  /** The merge of serialized profiles under `schema` (an empty profile for none). */
  static mergeAll(schema: Schema, parts: readonly DatasetProfileData[], options: SketchOptions = {}): DatasetProfile {
    const total = new DatasetProfile(schema, options);
    for (const part of parts) total.merge(DatasetProfile.fromJSON(schema, part, options));
    return total;
  }
}
