import type {
  AliasMove,
  Experiment,
  Lifecycle,
  LineageArtifact,
  LineageAssociation,
  LineageAttribution,
  LineageContext,
  LineageEvent,
  LineageExecution,
  MetricPoint,
  ModelVersion,
  RegisteredModel,
  Run,
  RunArtifact,
  RunFilter,
  RunInfo,
  RunOrder,
} from "../spec.js";

/** A registered model as stored: aliases live in their own records. */
export type StoredModel = Omit<RegisteredModel, "aliases">;

/** A run search as the storage runs it: validated, with the default ordering appended. */
export interface StorageRunQuery {
  readonly experimentIds: readonly string[];
  readonly lifecycle: Lifecycle | "all";
  readonly filter?: RunFilter;
  /** The full ordering; the last two keys are always start time descending and run id ascending. */
  readonly orderBy: readonly Required<RunOrder>[];
  readonly offset: number;
  readonly limit: number;
}

/**
 * One transaction's view of a MetadataStore's storage. Methods are synchronous: both embedded backends
 * (memory, SQLite) run a transaction without yielding, which makes it atomic and isolated by
 * construction. The engine holds every rule; a storage only keeps and finds records.
 */
export interface MetadataTx {
  getExperiment(experimentId: string): Experiment | undefined;
  getExperimentByName(name: string): Experiment | undefined;
  /** Every experiment, in any order. */
  listExperiments(): Experiment[];
  /** Inserts or replaces by id. */
  putExperiment(experiment: Experiment): void;

  getRunInfo(runId: string): RunInfo | undefined;
  /** Full runs in the order of `runIds`; absent ids are skipped. */
  getRuns(runIds: readonly string[]): Run[];
  /** Inserts or replaces by id. */
  putRunInfo(info: RunInfo): void;
  /** The stored values of these param keys. */
  getParams(runId: string, keys: readonly string[]): Map<string, string>;
  /** Inserts params whose keys are new to the run. */
  insertParams(runId: string, params: ReadonlyMap<string, string>): void;
  /** Inserts or replaces tags. */
  putTags(runId: string, tags: ReadonlyMap<string, string>): void;
  deleteTag(runId: string, key: string): void;
  /** The latest points of these keys. */
  getLatestMetrics(runId: string, keys: readonly string[]): Map<string, MetricPoint>;
  /** Inserts or replaces latest points. */
  putLatestMetrics(runId: string, points: readonly MetricPoint[]): void;
  /** Appends points, skipping any equal (key, step, timestamp, value; NaN equals NaN) to a stored one. */
  appendMetrics(runId: string, points: readonly MetricPoint[]): void;
  /** The points of a key with step in [minStep, maxStep], by step, then timestamp, then value (NaN last). */
  metricHistory(runId: string, key: string, minStep: number, maxStep: number): MetricPoint[];
  /** The ids of one page of runs matching the query, in order (at most `limit`). */
  searchRuns(query: StorageRunQuery): string[];

  putRunArtifact(artifact: RunArtifact): void;
  getRunArtifact(runId: string, path: string): RunArtifact | undefined;
  /** By path. */
  listRunArtifacts(runId: string): RunArtifact[];

  getModel(name: string): StoredModel | undefined;
  /** Every model, in any order. */
  listModels(): StoredModel[];
  putModel(model: StoredModel): void;
  getModelVersion(model: string, version: string): ModelVersion | undefined;
  /** Versions filtered by model and run, in any order. */
  listModelVersions(filter: { model?: string; runId?: string }): ModelVersion[];
  putModelVersion(version: ModelVersion): void;
  /** Alias → version of a model. */
  getAliases(model: string): Map<string, string>;
  /** Points an alias at a version, or deletes it (`null`). */
  putAlias(model: string, alias: string, version: string | null): void;
  appendAliasMove(move: AliasMove): void;
  /** Oldest first. */
  aliasHistory(model: string, alias?: string): AliasMove[];

  getArtifactNodes(keys: readonly string[]): LineageArtifact[];
  putArtifactNode(node: LineageArtifact): void;
  getExecutions(ids: readonly string[]): LineageExecution[];
  putExecution(node: LineageExecution): void;
  getContexts(ids: readonly string[]): LineageContext[];
  putContext(node: LineageContext): void;
  hasEvent(event: LineageEvent): boolean;
  insertEvent(event: LineageEvent): void;
  /** Events touching any of these artifacts or executions. */
  eventsOf(artifactKeys: readonly string[], executionIds: readonly string[]): LineageEvent[];
  /** Inserts attributions and associations, ignoring ones already stored. */
  putMemberships(attributions: readonly LineageAttribution[], associations: readonly LineageAssociation[]): void;
  /** Attributions of these artifacts and associations of these executions. */
  membershipsOf(
    artifactKeys: readonly string[],
    executionIds: readonly string[],
  ): { attributions: LineageAttribution[]; associations: LineageAssociation[] };
  /** The parents of a context. */
  parentContexts(contextId: string): string[];
  /** Inserts a parent edge, ignoring one already stored. */
  putParentContext(child: string, parent: string): void;
}

/**
 * The storage SPI of the MetadataStore. `read` and `write` run a synchronous function in one
 * transaction; if it throws, `write` leaves storage as it was.
 */
export interface MetadataStorage {
  /** The backend's name, e.g. `memory` or `sqlite`. */
  readonly name: string;
  read<T>(fn: (tx: MetadataTx) => T): Promise<T>;
  write<T>(fn: (tx: MetadataTx) => T): Promise<T>;
  /** Releases resources; idempotent. */
  close(): Promise<void>;
}
