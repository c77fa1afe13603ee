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

/** A value, or a promise of it: embedded storages answer synchronously, networked ones asynchronously. */
export type Awaitable<T> = T | Promise<T>;

/**
 * One transaction's view of a MetadataStore's storage. A method may answer synchronously (memory,
 * SQLite) or with a promise (Postgres); the engine awaits every call. The engine holds every rule; a
 * storage only keeps and finds records.
 */
export interface MetadataTx {
  getExperiment(experimentId: string): Awaitable<Experiment | undefined>;
  getExperimentByName(name: string): Awaitable<Experiment | undefined>;
  /** Every experiment, in any order. */
  listExperiments(): Awaitable<Experiment[]>;
  /** Inserts or replaces by id. */
  putExperiment(experiment: Experiment): Awaitable<void>;

  getRunInfo(runId: string): Awaitable<RunInfo | undefined>;
  /** Full runs in the order of `runIds`; absent ids are skipped. */
  getRuns(runIds: readonly string[]): Awaitable<Run[]>;
  /** Inserts or replaces by id. */
  putRunInfo(info: RunInfo): Awaitable<void>;
  /** The stored values of these param keys. */
  getParams(runId: string, keys: readonly string[]): Awaitable<Map<string, string>>;
  /** Inserts params whose keys are new to the run. */
  insertParams(runId: string, params: ReadonlyMap<string, string>): Awaitable<void>;
  /** Inserts or replaces tags. */
  putTags(runId: string, tags: ReadonlyMap<string, string>): Awaitable<void>;
  deleteTag(runId: string, key: string): Awaitable<void>;
  /** The latest points of these keys. */
  getLatestMetrics(runId: string, keys: readonly string[]): Awaitable<Map<string, MetricPoint>>;
  /** Inserts or replaces latest points. */
  putLatestMetrics(runId: string, points: readonly MetricPoint[]): Awaitable<void>;
  /** Appends points, skipping any equal (key, step, timestamp, value; NaN equals NaN) to a stored one. */
  appendMetrics(runId: string, points: readonly MetricPoint[]): Awaitable<void>;
  /** The points of a key with step in [minStep, maxStep], by step, then timestamp, then value (NaN last). */
  metricHistory(runId: string, key: string, minStep: number, maxStep: number): Awaitable<MetricPoint[]>;
  /** The ids of one page of runs matching the query, in order (at most `limit`). */
  searchRuns(query: StorageRunQuery): Awaitable<string[]>;

  putRunArtifact(artifact: RunArtifact): Awaitable<void>;
  getRunArtifact(runId: string, path: string): Awaitable<RunArtifact | undefined>;
  /** By path. */
  listRunArtifacts(runId: string): Awaitable<RunArtifact[]>;

  getModel(name: string): Awaitable<StoredModel | undefined>;
  /** Every model, in any order. */
  listModels(): Awaitable<StoredModel[]>;
  putModel(model: StoredModel): Awaitable<void>;
  getModelVersion(model: string, version: string): Awaitable<ModelVersion | undefined>;
  /** Versions filtered by model and run, in any order. */
  listModelVersions(filter: { model?: string; runId?: string }): Awaitable<ModelVersion[]>;
  putModelVersion(version: ModelVersion): Awaitable<void>;
  /** Alias → version of a model. */
  getAliases(model: string): Awaitable<Map<string, string>>;
  /** Points an alias at a version, or deletes it (`null`). */
  putAlias(model: string, alias: string, version: string | null): Awaitable<void>;
  appendAliasMove(move: AliasMove): Awaitable<void>;
  /** Oldest first. */
  aliasHistory(model: string, alias?: string): Awaitable<AliasMove[]>;

  getArtifactNodes(keys: readonly string[]): Awaitable<LineageArtifact[]>;
  putArtifactNode(node: LineageArtifact): Awaitable<void>;
  getExecutions(ids: readonly string[]): Awaitable<LineageExecution[]>;
  putExecution(node: LineageExecution): Awaitable<void>;
  getContexts(ids: readonly string[]): Awaitable<LineageContext[]>;
  putContext(node: LineageContext): Awaitable<void>;
  hasEvent(event: LineageEvent): Awaitable<boolean>;
  insertEvent(event: LineageEvent): Awaitable<void>;
  /** Events touching any of these artifacts or executions. */
  eventsOf(artifactKeys: readonly string[], executionIds: readonly string[]): Awaitable<LineageEvent[]>;
  /** Inserts attributions and associations, ignoring ones already stored. */
  putMemberships(
    attributions: readonly LineageAttribution[],
    associations: readonly LineageAssociation[],
  ): Awaitable<void>;
  /** Attributions of these artifacts and associations of these executions. */
  membershipsOf(
    artifactKeys: readonly string[],
    executionIds: readonly string[],
  ): Awaitable<{ attributions: LineageAttribution[]; associations: LineageAssociation[] }>;
  /** The parents of a context. */
  parentContexts(contextId: string): Awaitable<string[]>;
  /** Inserts a parent edge, ignoring one already stored. */
  putParentContext(child: string, parent: string): Awaitable<void>;
}

/**
 * The storage SPI of the MetadataStore. `read` and `write` run a function in one transaction, isolated
 * from concurrent writes (embedded storages run write transactions one at a time); if it throws or
 * rejects, `write` leaves storage as it was.
 */
export interface MetadataStorage {
  /** The backend's name, e.g. `memory` or `sqlite`. */
  readonly name: string;
  read<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T>;
  write<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T>;
  /** Releases resources; idempotent. */
  close(): Promise<void>;
}
