import { type Field, MlstackError } from "@mlstack/core";
import type { DriftOptions } from "../spec.js";
import {
  type ColumnDrift,
  categoricalHistogram,
  categoricalStatistics,
  DEFAULT_DRIFT_SETTINGS,
  type DriftMethod,
  type DriftSettings,
  type DriftStatistics,
  defaultMethod,
  numericHistogram,
  numericStatistics,
  type SketchBounds,
  verdict,
} from "./column-drift.js";
import { categoryValue, columnKind, numericValue } from "./column-profile.js";
import { type DatasetDrift, datasetDrift } from "./dataset-drift.js";
import type { DatasetProfile } from "./dataset-profile.js";
import { sketchCategoricalStatistics, sketchNumericStatistics } from "./sketch-drift.js";
import { sortFloat64 } from "./sort-float64.js";

/** Drift options merged with the defaults. */
export function driftSettings(options: DriftOptions): DriftSettings {
  return {
    thresholds: { ...DEFAULT_DRIFT_SETTINGS.thresholds, ...options.thresholds },
    largeReference: options.largeReference ?? DEFAULT_DRIFT_SETTINGS.largeReference,
    minSampleSize: options.minSampleSize ?? DEFAULT_DRIFT_SETTINGS.minSampleSize,
    bins: options.bins ?? DEFAULT_DRIFT_SETTINGS.bins,
    ksExactLimit: options.ksExactLimit ?? DEFAULT_DRIFT_SETTINGS.ksExactLimit,
    methods: { ...options.methods },
  };
}

const NUMERIC_METHODS: readonly DriftMethod[] = ["ks", "psi", "jensen-shannon", "wasserstein"];
const CATEGORICAL_METHODS: readonly DriftMethod[] = ["chi2", "psi", "jensen-shannon"];
const PROFILE_NUMERIC_METHODS: readonly DriftMethod[] = ["ks", "psi", "jensen-shannon"];

/** The columns drift looks at: numeric and categorical fields, optionally restricted to `only`. */
export function driftColumns(fields: readonly Field[], only: readonly string[] | undefined): Field[] {
  const eligible = fields.filter((f) => columnKind(f) !== "other");
  if (!only) return eligible;
  for (const name of only) {
    if (!eligible.some((f) => f.name === name)) {
      throw new MlstackError("INVALID_ARGUMENT", `column "${name}" is not a numeric or categorical column`, {
        details: { column: name, columns: eligible.map((f) => f.name) },
      });
    }
  }
  return eligible.filter((f) => only.includes(f.name));
}

/** Checks per-column method overrides against each column's kind and the data source, before any work. */
export function checkMethods(fields: readonly Field[], settings: DriftSettings, source: "raw" | "profile"): void {
  for (const [column, method] of Object.entries(settings.methods)) {
    const field = fields.find((f) => f.name === column);
    if (!field) continue;
    const kind = columnKind(field);
    const allowed =
      kind === "categorical" ? CATEGORICAL_METHODS : source === "profile" ? PROFILE_NUMERIC_METHODS : NUMERIC_METHODS;
    if (!allowed.includes(method)) {
      throw new MlstackError(
        "INVALID_ARGUMENT",
        `method "${method}" does not apply to ${kind} column "${column}" with ${source} data (use ${allowed.join(", ")})`,
        { details: { column, method, allowed } },
      );
    }
  }
}

/** Numbers and categories of one column, pulled from raw rows. */
export function columnValues(
  field: Field,
  rows: readonly Readonly<Record<string, unknown>>[],
): { numbers?: Float64Array; counts?: Map<string, number>; size: number } {
  if (columnKind(field) === "numeric") {
    const out: number[] = [];
    for (const row of rows) {
      const x = numericValue(row[field.name], field.type);
      if (x !== undefined && Number.isFinite(x)) out.push(x);
    }
    const numbers = sortFloat64(out);
    return { numbers, size: numbers.length };
  }
  const counts = new Map<string, number>();
  let size = 0;
  for (const row of rows) {
    const c = row[field.name] == null ? undefined : categoryValue(row[field.name], field.type);
    if (c !== undefined) {
      counts.set(c, (counts.get(c) ?? 0) + 1);
      size++;
    }
  }
  return { counts, size };
}

/** Builds a column result: method choice, verdict before correction, and the minimum-sample rule. */
function columnResult(
  field: Field,
  settings: DriftSettings,
  sizes: { reference: number; current: number },
  compute: (method: DriftMethod) => {
    statistics: DriftStatistics;
    histogram: ColumnDrift["histogram"];
    bounds?: SketchBounds;
  },
  source: "raw" | "profile",
): { column: ColumnDrift; drifted: boolean } {
  const kind = columnKind(field) as "numeric" | "categorical";
  const method = settings.methods[field.name] ?? defaultMethod(kind, sizes.reference, settings.largeReference, source);
  const enough = sizes.reference >= settings.minSampleSize && sizes.current >= settings.minSampleSize;
  const empty = sizes.reference === 0 || sizes.current === 0;
  const computed = empty ? undefined : compute(method);
  const v = computed ? verdict(method, computed.statistics, settings.thresholds) : undefined;
  const column: ColumnDrift = {
    column: field.name,
    kind,
    method,
    score: v?.score ?? Number.NaN,
    ...(v?.pValue !== undefined ? { pValue: v.pValue } : {}),
    threshold: v?.threshold ?? Number.NaN,
    status: enough && v ? (v.drifted ? "drift" : "no-drift") : "insufficient-data",
    referenceSize: sizes.reference,
    currentSize: sizes.current,
    statistics: computed?.statistics ?? {},
    histogram: computed?.histogram ?? { labels: [], reference: [], current: [] },
    ...(computed?.bounds ? { bounds: computed.bounds } : {}),
  };
  return { column, drifted: v?.drifted ?? false };
}

/** Drift of every column from raw rows, then the data-set verdict. */
export function rawDrift(
  fields: readonly Field[],
  referenceRows: readonly Readonly<Record<string, unknown>>[],
  currentRows: readonly Readonly<Record<string, unknown>>[],
  settings: DriftSettings,
  correction: NonNullable<DriftOptions["correction"]>,
  level: number,
  onColumn: (done: number) => void,
): { columns: ColumnDrift[]; dataset: DatasetDrift } {
  const raw = new Map<string, boolean>();
  const columns = fields.map((field, i) => {
    const ref = columnValues(field, referenceRows);
    const cur = columnValues(field, currentRows);
    const { column, drifted } = columnResult(
      field,
      settings,
      { reference: ref.size, current: cur.size },
      () =>
        ref.numbers && cur.numbers
          ? {
              statistics: numericStatistics(ref.numbers, cur.numbers, settings),
              histogram: numericHistogram(ref.numbers, cur.numbers),
            }
          : {
              statistics: categoricalStatistics(ref.counts as Map<string, number>, cur.counts as Map<string, number>),
              histogram: categoricalHistogram(ref.counts as Map<string, number>, cur.counts as Map<string, number>),
            },
      "raw",
    );
    raw.set(field.name, drifted);
    onColumn(i + 1);
    return column;
  });
  return { columns, dataset: datasetDrift(columns, raw, correction, level) };
}

/** Drift of every column from two profiles (sketches), then the data-set verdict. */
export function profileDrift(
  fields: readonly Field[],
  reference: DatasetProfile,
  current: DatasetProfile,
  settings: DriftSettings,
  correction: NonNullable<DriftOptions["correction"]>,
  level: number,
  onColumn: (done: number) => void,
): { columns: ColumnDrift[]; dataset: DatasetDrift } {
  const raw = new Map<string, boolean>();
  const columns = fields.map((field, i) => {
    const ref = reference.columns.get(field.name);
    const cur = current.columns.get(field.name);
    const { column, drifted } = columnResult(
      field,
      settings,
      { reference: ref?.valid ?? 0, current: cur?.valid ?? 0 },
      () => {
        if (ref?.sketch && cur?.sketch) return sketchNumericStatistics(ref.sketch, cur.sketch, settings);
        const s = sketchCategoricalStatistics(ref as NonNullable<typeof ref>, cur as NonNullable<typeof cur>);
        return {
          statistics: s.statistics,
          bounds: s.bounds,
          histogram: categoricalHistogram(s.referenceCounts, s.currentCounts),
        };
      },
      "profile",
    );
    raw.set(field.name, drifted);
    onColumn(i + 1);
    return column;
  });
  return { columns, dataset: datasetDrift(columns, raw, correction, level) };
}
