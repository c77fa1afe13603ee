import type { Field } from "@mlstack/core";
import { DDSketch, type DDSketchData } from "./dd-sketch.js";
import { FrequentItems, type FrequentItemsData } from "./frequent-items.js";
import { HyperLogLog, type HyperLogLogData } from "./hyper-log-log.js";

/** How a column is profiled: numbers get moments and a quantile sketch, categories get frequent items. */
export type ColumnKind = "numeric" | "categorical" | "other";

/** The serialized, mergeable summary of one column over a window. */
export interface ColumnProfileData {
  kind: ColumnKind;
  /** Values seen, nulls and type errors included. */
  count: number;
  /** Null or missing values. */
  nulls: number;
  /** Values of the wrong type (e.g. a string in a numeric column). */
  typeErrors: number;
  /** NaN values of a numeric column (not in the moments or the sketch). */
  nan: number;
  /** ±Infinity values of a numeric column (not in the moments or the sketch). */
  infinite: number;
  /** Finite numbers (numeric) or valid categories (categorical) summarized below. */
  valid: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sum of squared deviations from the mean (Welford's M2). */
  m2: number | null;
  sketch?: DDSketchData;
  distinct: HyperLogLogData;
  frequent?: FrequentItemsData;
}

/** Sketch settings shared by every profile of a monitor (profiles merge only with equal settings). */
export interface SketchOptions {
  /** DDSketch relative accuracy; default 0.01. */
  quantileAccuracy?: number;
  /** HyperLogLog precision; default 12. */
  distinctPrecision?: number;
  /** Misra-Gries counters per categorical column; default 64. */
  frequentItems?: number;
}

/** The profile kind of a schema field. */
export function columnKind(field: Pick<Field, "type">): ColumnKind {
  switch (field.type) {
    case "int32":
    case "int64":
    case "float32":
    case "float64":
    case "timestamp":
      return "numeric";
    case "string":
    case "bool":
      return "categorical";
    default:
      return "other";
  }
}

/**
 * A mergeable, bounded-memory profile of one column: counts, min/max, mean and variance (Welford,
 * merged with Chan's formula), a DDSketch of quantiles, a HyperLogLog of distinct values and, for
 * categorical columns, Misra-Gries frequent items.
 */
export class ColumnProfile {
  readonly kind: ColumnKind;
  readonly #type: Field["type"];
  readonly #length: number | undefined;
  count = 0;
  nulls = 0;
  typeErrors = 0;
  nan = 0;
  infinite = 0;
  valid = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  mean = 0;
  m2 = 0;
  readonly sketch: DDSketch | undefined;
  readonly distinct: HyperLogLog;
  readonly frequent: FrequentItems | undefined;

  /** An empty profile of a column, or (with `data`) the profile {@link ColumnProfile.toJSON} wrote. */
  constructor(field: Pick<Field, "type" | "length">, options: SketchOptions = {}, data?: ColumnProfileData) {
    this.kind = columnKind(field);
    this.#type = field.type;
    this.#length = field.length;
    if (data) {
      this.sketch = data.sketch ? DDSketch.fromJSON(data.sketch) : undefined;
      this.distinct = HyperLogLog.fromJSON(data.distinct);
      this.frequent = data.frequent ? FrequentItems.fromJSON(data.frequent) : undefined;
      this.count = data.count;
      this.nulls = data.nulls;
      this.typeErrors = data.typeErrors;
      this.nan = data.nan;
      this.infinite = data.infinite;
      this.valid = data.valid;
      if (data.min !== null) this.min = data.min;
      if (data.max !== null) this.max = data.max;
      this.mean = data.mean ?? 0;
      this.m2 = data.m2 ?? 0;
      return;
    }
    this.sketch = this.kind === "numeric" ? new DDSketch({ alpha: options.quantileAccuracy ?? 0.01 }) : undefined;
    this.distinct = new HyperLogLog(options.distinctPrecision ?? 12);
    this.frequent = this.kind === "categorical" ? new FrequentItems(options.frequentItems ?? 64) : undefined;
  }

  /** Adds one finite number to a numeric profile: the hot path of ingestion. */
  addNumber(x: number): void {
    this.count++;
    if (Number.isNaN(x)) {
      this.nan++;
      return;
    }
    if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) {
      this.infinite++;
      return;
    }
    const n = ++this.valid;
    const delta = x - this.mean;
    this.mean += delta / n;
    this.m2 += delta * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    (this.sketch as DDSketch).add(x);
    this.distinct.addNumber(x);
  }

  /** Adds a value of any type: nulls, type errors, NaN and infinities are counted, never thrown. */
  add(value: unknown): void {
    if (value === null || value === undefined) {
      this.count++;
      this.nulls++;
      return;
    }
    if (this.kind === "numeric") {
      const x = numericValue(value, this.#type);
      if (x === undefined) {
        this.count++;
        this.typeErrors++;
      } else this.addNumber(x);
      return;
    }
    this.count++;
    if (this.kind === "categorical") {
      const category = categoryValue(value, this.#type);
      if (category === undefined) {
        this.typeErrors++;
        return;
      }
      this.valid++;
      this.distinct.addString(category);
      (this.frequent as FrequentItems).add(category);
      return;
    }
    if (!otherValueOk(value, this.#type, this.#length)) this.typeErrors++;
    else this.valid++;
  }

  /** Sample variance (n − 1), or NaN with fewer than two values. */
  get variance(): number {
    return this.valid > 1 ? this.m2 / (this.valid - 1) : Number.NaN;
  }

  /** Folds another profile of the same kind and sketch settings into this one. */
  merge(other: ColumnProfile): void {
    const n = this.valid + other.valid;
    if (this.kind === "numeric" && other.valid > 0) {
      const delta = other.mean - this.mean;
      this.m2 = this.m2 + other.m2 + (delta * delta * this.valid * other.valid) / n;
      this.mean = this.valid === 0 ? other.mean : this.mean + (delta * other.valid) / n;
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
    this.count += other.count;
    this.nulls += other.nulls;
    this.typeErrors += other.typeErrors;
    this.nan += other.nan;
    this.infinite += other.infinite;
    this.valid = n;
    if (this.sketch && other.sketch) this.sketch.merge(other.sketch);
    this.distinct.merge(other.distinct);
    if (this.frequent && other.frequent) this.frequent.merge(other.frequent);
  }

  toJSON(): ColumnProfileData {
    const numeric = this.kind === "numeric" && this.valid > 0;
    return {
      kind: this.kind,
      count: this.count,
      nulls: this.nulls,
      typeErrors: this.typeErrors,
      nan: this.nan,
      infinite: this.infinite,
      valid: this.valid,
      min: numeric ? this.min : null,
      max: numeric ? this.max : null,
      mean: numeric ? this.mean : null,
      m2: numeric ? this.m2 : null,
      ...(this.sketch ? { sketch: this.sketch.toJSON() } : {}),
      distinct: this.distinct.toJSON(),
      ...(this.frequent ? { frequent: this.frequent.toJSON() } : {}),
    };
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The number a value stands for in a numeric column of `type`, or undefined for a type error. */
export function numericValue(value: unknown, type: Field["type"]): number | undefined {
  if (typeof value === "bigint") {
    if (type !== "int64") return undefined;
    return Number(value);
  }
  if (typeof value !== "number") return undefined;
  if (!Number.isFinite(value)) {
    return type === "float32" || type === "float64" ? value : undefined;
  }
  switch (type) {
    case "int32":
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? value : undefined;
    case "int64":
    case "timestamp":
      return Number.isSafeInteger(value) ? value : undefined;
    default:
      return value;
  }
}

/** The category a value stands for in a categorical column of `type`, or undefined for a type error. */
export function categoryValue(value: unknown, type: Field["type"]): string | undefined {
  if (type === "bool") return typeof value === "boolean" ? String(value) : undefined;
  return typeof value === "string" ? value : undefined;
}

/** Whether a value fits a `bytes` or `vector` column (a vector of the declared length, when given). */
export function otherValueOk(value: unknown, type: Field["type"], length?: number): boolean {
  if (type === "bytes") return value instanceof Uint8Array;
  const ok = (Array.isArray(value) && value.every((v) => typeof v === "number")) || value instanceof Float32Array;
  return ok && (length === undefined || (value as ArrayLike<number>).length === length);
}
