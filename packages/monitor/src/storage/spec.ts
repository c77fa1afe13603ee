import type { DatasetProfileData } from "../engine/dataset-profile.js";
import type { AlertRule, AlertState, DeploymentConfig, ReferenceInfo } from "../spec.js";

/** A stored reference: its description, its profile and, when set from rows, the encoded rows. */
export interface StoredReference {
  info: ReferenceInfo;
  profile: DatasetProfileData;
  /** The rows, encoded with `encodeValue`; null when set from a profile. */
  rows: string | null;
}

/** One logged request as storage keeps it. */
export interface StoredRecord {
  timestamp: number;
  requestId: string | null;
  /** `{ features, prediction, score }` encoded with `encodeValue`. */
  payload: string;
  /** The label encoded with `encodeValue`, or null until one arrives. */
  label: string | null;
}

/** The profile delta of one window bucket in a log batch. */
export interface ProfileDelta {
  bucketStart: number;
  profile: DatasetProfileData;
}

/** Folds a delta into a stored profile; supplied by the engine, which owns the merge rules. */
export type ProfileMerger = (stored: DatasetProfileData, delta: DatasetProfileData) => DatasetProfileData;

/**
 * The storage SPI of the Monitor: deployments, references, logged records, per-bucket profiles and
 * alert rules with their state. Every method is atomic: it does all of its writes or none. Values are
 * JSON-compatible; the engine encodes and validates them.
 */
export interface MonitorStorage {
  /** `ALREADY_EXISTS` when a deployment of that name exists. */
  createDeployment(config: DeploymentConfig): Promise<void>;
  getDeployment(name: string): Promise<DeploymentConfig | undefined>;
  listDeployments(): Promise<DeploymentConfig[]>;
  /** Replaces the reference of a deployment. */
  putReference(deployment: string, reference: StoredReference): Promise<void>;
  getReference(deployment: string): Promise<StoredReference | undefined>;
  /**
   * Appends records and folds each profile delta into its bucket's profile with `merge`, in one atomic
   * step (so two writers never lose each other's counts).
   */
  appendLog(deployment: string, records: StoredRecord[], deltas: ProfileDelta[], merge: ProfileMerger): Promise<void>;
  /** Records with start ≤ timestamp < end, in log order. */
  listRecords(deployment: string, start: number, end: number): Promise<StoredRecord[]>;
  /** Sets the label of every record with each request id; returns the ids that matched a record. */
  attachLabels(deployment: string, labels: { requestId: string; label: string }[]): Promise<string[]>;
  /** Bucket profiles with start ≤ bucketStart < end, in bucket order. */
  listProfiles(deployment: string, start: number, end: number): Promise<ProfileDelta[]>;
  /** Creates or replaces a rule (by id). */
  putAlertRule(rule: AlertRule): Promise<void>;
  /** Deletes a rule and its state; false when there was none. */
  deleteAlertRule(id: string): Promise<boolean>;
  /** Rules of one deployment, or all, ordered by id. */
  listAlertRules(deployment?: string): Promise<AlertRule[]>;
  getAlertState(ruleId: string): Promise<AlertState | undefined>;
  /**
   * Writes `next` only if the stored state still equals `expected` (undefined: none stored), and says
   * whether it did: two evaluators, even in two processes, cannot both move a rule (and both fire it).
   * A rule deleted meanwhile is not written (false).
   */
  compareAndSetAlertState(expected: AlertState | undefined, next: AlertState): Promise<boolean>;
  /** Releases resources; idempotent. */
  close(): Promise<void>;
}
