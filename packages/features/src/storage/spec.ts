import type { Field } from "@mlstack/core";
import { sha256Hex } from "@mlstack/core";
import type { RegistrySnapshot } from "../spec.js";

/**
 * The storage SPI of the FeatureStore. A backend only appends and scans ordered rows, keeps online
 * values under the stale-write rule and stores the registry; every rule of retrieval lives in the
 * engine. Keys are the engine's encoding of a row's join-key values (see `entityKeyReader`).
 */
export interface FeatureStorage {
  /** The registry and its version (0 for an empty store). */
  readRegistry(): Promise<StoredRegistry>;
  /** The registry's version, cheaply, so the engine can reuse a parsed registry. */
  registryVersion(): Promise<number>;
  /**
   * Replaces the registry and drops the data of `dropViews`, in one atomic step; `CONFLICT` when the
   * stored version is no longer `expectedVersion` (another writer applied first).
   */
  commitRegistry(next: RegistrySnapshot, expectedVersion: number, dropViews: readonly string[]): Promise<void>;

  /**
   * Appends rows to a view, all or nothing. Rows get an ingestion order after every stored row, and the
   * view's digest becomes `chainDigest(previous, batch.digest)`.
   */
  appendOffline(layout: ViewLayout, batch: OfflineBatch): Promise<void>;
  /**
   * A consistent snapshot of a view's rows with event time in `range` (inclusive), grouped by key and
   * ordered within each key by (event time, created time, ingestion order).
   */
  scanOffline(layout: ViewLayout, range?: TimeRange): Promise<OfflineScan>;

  /**
   * Writes online records (distinct keys) in one transaction. A record whose event time is not newer
   * than the stored one for its key is ignored: the stale-write rule every backend keeps.
   */
  writeOnline(layout: ViewLayout, records: readonly OnlineRecord[]): Promise<OnlineWriteResult>;
  /** The stored online record of each key, in order; undefined where there is none. */
  readOnline(layout: ViewLayout, keys: readonly string[]): Promise<(OnlineRecord | undefined)[]>;
  /** The end of a view's last committed materialization. */
  getWatermark(view: string): Promise<number | undefined>;
  setWatermark(view: string, end: number): Promise<void>;

  /** Releases resources; idempotent. */
  close(): Promise<void>;
}

/** The registry as stored. */
export interface StoredRegistry {
  readonly version: number;
  readonly snapshot: RegistrySnapshot;
}

/** What a backend needs to know of a view to store its rows. */
export interface ViewLayout {
  readonly name: string;
  /** The feature fields, in schema order: values are passed and returned in this order. */
  readonly fields: readonly Field[];
}

/** Inclusive event-time bounds. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

/** Validated rows to append, as columns. */
export interface OfflineBatch {
  readonly keys: readonly string[];
  readonly eventTimes: Float64Array;
  readonly createdTimes: Float64Array;
  /** One array per layout field, each with one value per row (null for a missing value). */
  readonly columns: readonly (readonly unknown[])[];
  /** The batch's content hash, for the view's digest chain. */
  readonly digest: string;
}

/** A snapshot of a view's offline rows. */
export interface OfflineScan {
  /** The view's digest as of this snapshot. */
  readonly digest: string;
  /** The rows, a key's run never split across segments and every key in one segment only. */
  segments(): AsyncIterable<OfflineSegment>;
}

/**
 * Ordered rows of some keys. Row positions `offsets[i]` to `offsets[i + 1] - 1` are the run of `keys[i]`,
 * ordered by (event time, created time, ingestion order).
 */
export interface OfflineSegment {
  readonly keys: readonly string[];
  readonly offsets: Int32Array;
  readonly eventTime: NumberColumn;
  readonly createdTime: NumberColumn;
  /** One column per layout field. */
  readonly columns: readonly ValueColumn[];
}

/** A column of numbers by row position. */
export interface NumberColumn {
  get(position: number): number;
}

/** A column of values by row position (null for a missing value). */
export interface ValueColumn {
  get(position: number): unknown;
}

/** One entity key's online value. */
export interface OnlineRecord {
  readonly key: string;
  readonly eventTime: number;
  readonly createdTime: number;
  /** One value per layout field. */
  readonly values: readonly unknown[];
}

/** What an online write did. */
export interface OnlineWriteResult {
  readonly written: number;
  readonly ignored: number;
}

/** The digest of a view with no rows. */
export const EMPTY_DIGEST = sha256Hex("mlstack.features.offline.v1");

/** The view digest after appending a batch: every backend chains digests the same way. */
export function chainDigest(previous: string, batchDigest: string): string {
  return sha256Hex(`${previous}:${batchDigest}`);
}

/** True for the field types kept as numbers in typed columns. */
export function isNumericField(field: Field): boolean {
  return field.type === "float64" || field.type === "float32" || field.type === "int32" || field.type === "timestamp";
}
