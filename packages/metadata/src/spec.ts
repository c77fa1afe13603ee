import type {
  ArtifactData,
  ArtifactRef,
  Brick,
  ModelVersionRef,
  Ref,
  RunRef,
  Schema,
  SPECIFICATION_VERSION,
  TypedEmitter,
} from "@mlstack/core";

/** Whether an experiment or run is live or soft-deleted (kept apart from a run's status). */
export type Lifecycle = "active" | "deleted";

/** The status of a run. `SCHEDULED` and `RUNNING` are open; the others are terminal. */
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

/** A terminal run status, given to `endRun`. */
export type TerminalRunStatus = "FINISHED" | "FAILED" | "KILLED";

/** A named group of runs. */
export interface Experiment {
  readonly experimentId: string;
  /** Unique among active and deleted experiments. */
  readonly name: string;
  readonly lifecycle: Lifecycle;
  readonly tags: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One logged metric value. */
export interface MetricPoint {
  readonly key: string;
  /** Any float64, NaN and ±Infinity included. */
  readonly value: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** Integer step; 0 when not given. */
  readonly step: number;
}

/** The attributes of a run, without its logged values. */
export interface RunInfo {
  readonly runId: string;
  readonly experimentId: string;
  readonly name: string;
  readonly parentRunId: string | null;
  readonly status: RunStatus;
  readonly lifecycle: Lifecycle;
  /** Epoch milliseconds. */
  readonly startTime: number;
  /** Set when the run ends. */
  readonly endTime: number | null;
  /** Why the run failed, when it ended with an error message. */
  readonly errorMessage: string | null;
}

/** A run with its params, tags and the latest value of every metric key. */
export interface Run extends RunInfo {
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** The latest point of each key: greatest step, then timestamp, then value. */
  readonly metrics: Readonly<Record<string, MetricPoint>>;
}

/** A metric to log: step defaults to 0, timestamp to the store's clock. */
export interface MetricInput {
  key: string;
  value: number;
  timestamp?: number;
  step?: number;
}

/** The values of one `logBatch` call. */
export interface LogBatchInput {
  /** At most 1000. */
  metrics?: MetricInput[];
  /** At most 100; a key may appear once. */
  params?: Array<{ key: string; value: string }>;
  /** At most 100; the last value of a key wins. */
  tags?: Array<{ key: string; value: string }>;
}

/** Options of `createExperiment`. */
export interface CreateExperimentInput {
  name: string;
  tags?: Record<string, string>;
}

/** Options of `createRun`. */
export interface CreateRunInput {
  experimentId: string;
  /** Defaults to the run id. */
  name?: string;
  parentRunId?: string;
  tags?: Record<string, string>;
  /** Epoch milliseconds; defaults to the clock. */
  startTime?: number;
  /** `RUNNING` (default) or `SCHEDULED`. */
  status?: "RUNNING" | "SCHEDULED";
}

/** Options of `endRun`. */
export interface EndRunOptions {
  /** Epoch milliseconds; defaults to the clock. */
  endTime?: number;
  /** Why it failed; exported as the OpenLineage errorMessage facet. */
  errorMessage?: string;
}

/** Options of `getMetricHistory`. */
export interface MetricHistoryOptions {
  /** Inclusive step bounds. */
  stepRange?: { min?: number; max?: number };
  /** Down-sample to at most this many points (at least 2), keeping the min and max of each bucket. */
  maxPoints?: number;
}

/** A field a run filter or ordering can name. */
export type RunField =
  | { readonly type: "metric"; readonly key: string }
  | { readonly type: "param"; readonly key: string }
  | { readonly type: "tag"; readonly key: string }
  | { readonly type: "attribute"; readonly key: RunAttribute };

/** The run attributes a filter can name: numbers (`startTime`, `endTime`) or strings (the rest). */
export type RunAttribute = "runId" | "experimentId" | "parentRunId" | "name" | "status" | "startTime" | "endTime";

/** A comparison operator. Strings compare by code point. */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/**
 * A typed filter over runs. A comparison against a missing key, a null attribute or a NaN metric is
 * false (so `not` of it is true); `isNull` is true when a key is absent or an attribute is null.
 * `like` uses `%` (any run of characters) and `_` (one character); `caseInsensitive` folds ASCII only.
 */
export type RunFilter =
  | { readonly kind: "and"; readonly filters: readonly RunFilter[] }
  | { readonly kind: "or"; readonly filters: readonly RunFilter[] }
  | { readonly kind: "not"; readonly filter: RunFilter }
  | { readonly kind: "compare"; readonly field: RunField; readonly op: CompareOp; readonly value: number | string }
  | { readonly kind: "like"; readonly field: RunField; readonly pattern: string; readonly caseInsensitive?: boolean }
  | { readonly kind: "in"; readonly field: RunField; readonly values: readonly string[] }
  | { readonly kind: "isNull"; readonly field: RunField };

/** One ordering key. Runs missing the key sort last in either direction (a NaN metric just before them). */
export interface RunOrder {
  readonly field: RunField;
  readonly direction?: "asc" | "desc";
}

/** A run search. */
export interface SearchRunsInput {
  /** At least one. */
  experimentIds: string[];
  filter?: RunFilter;
  /** Applied in order, then start time descending, then run id ascending. */
  orderBy?: RunOrder[];
  /** `active` (default), `deleted` or `all`. */
  lifecycle?: Lifecycle | "all";
  /** 1..1000, default 100. */
  pageSize?: number;
  /** From the previous page of the same query. */
  pageToken?: string;
}

/** One page of results. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Present when there are more results. */
  readonly nextPageToken?: string;
}

/** A run's logged artifact: the path within the run and where the bytes are. */
export interface RunArtifact {
  readonly runId: string;
  readonly path: string;
  readonly ref: ArtifactRef;
  readonly loggedAt: number;
}

/** The input and output schemas of a model. */
export interface ModelSignature {
  readonly inputs: Schema;
  readonly outputs: Schema;
}

/** A registered model: a named sequence of versions with movable aliases. */
export interface RegisteredModel {
  readonly name: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Alias → version. */
  readonly aliases: Readonly<Record<string, string>>;
  /** The highest version ever created, as a number (0 when none); versions are never reused. */
  readonly lastVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A version of a registered model; a deleted one stays as a tombstone with `deletedAt` set. */
export interface ModelVersion {
  readonly model: string;
  /** "1", "2", ... */
  readonly version: string;
  readonly source: ArtifactRef;
  readonly runId: string | null;
  readonly signature: ModelSignature | null;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly deletedAt: number | null;
}

/** Options of `createModelVersion`. */
export interface CreateModelVersionInput {
  source: ArtifactRef;
  runId?: string;
  signature?: ModelSignature;
  description?: string;
  tags?: Record<string, string>;
}

/** One move of an alias: set (`from` null), moved, or deleted (`to` null). */
export interface AliasMove {
  readonly model: string;
  readonly alias: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly at: number;
  /** Who moved it, when told. */
  readonly by: string | null;
}

/** Options of `setAlias` and `deleteAlias`. */
export interface AliasOptions {
  /** The version the alias must point to now (null: it must not exist); otherwise `CONFLICT`. */
  expected?: string | null;
  /** Who is moving it, kept in the history. */
  by?: string;
}

/** Free-form properties of a lineage node. */
export type LineageProperties = Readonly<Record<string, string | number | boolean>>;

/** An artifact node: any core ref, keyed by `refKey`. */
export interface LineageArtifact {
  readonly key: string;
  readonly ref: Ref;
  readonly properties: LineageProperties;
}

/** An execution node (a run is one, with id `run:<runId>`). */
export interface LineageExecution {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly properties: LineageProperties;
}

/** A context node (an experiment is one, with id `experiment:<experimentId>`). */
export interface LineageContext {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly properties: LineageProperties;
}

/** An input or output edge between an artifact and an execution. */
export interface LineageEvent {
  /** The artifact's ref key. */
  readonly artifact: string;
  readonly execution: string;
  readonly type: "input" | "output";
}

/** An artifact belonging to a context. */
export interface LineageAttribution {
  readonly artifact: string;
  readonly context: string;
}

/** An execution belonging to a context. */
export interface LineageAssociation {
  readonly execution: string;
  readonly context: string;
}

/** A context nested in another. */
export interface LineageParentContext {
  readonly child: string;
  readonly parent: string;
}

/** What `putLineage` writes, atomically. Nodes are upserted; edges reference nodes here or stored. */
export interface LineageSubgraphInput {
  artifacts?: Array<{ ref: Ref; properties?: Record<string, string | number | boolean> }>;
  executions?: Array<{
    id: string;
    type: string;
    name?: string;
    properties?: Record<string, string | number | boolean>;
  }>;
  contexts?: Array<{ id: string; type: string; name?: string; properties?: Record<string, string | number | boolean> }>;
  /** `artifact` is a ref; `execution` an execution id. */
  events?: Array<{ artifact: Ref; execution: string; type: "input" | "output" }>;
  attributions?: Array<{ artifact: Ref; context: string }>;
  associations?: Array<{ execution: string; context: string }>;
  parentContexts?: Array<{ child: string; parent: string }>;
}

/** A lineage subgraph as returned by `lineage`. */
export interface LineageGraph {
  readonly artifacts: readonly LineageArtifact[];
  readonly executions: readonly LineageExecution[];
  readonly events: readonly LineageEvent[];
  readonly contexts: readonly LineageContext[];
  readonly attributions: readonly LineageAttribution[];
  readonly associations: readonly LineageAssociation[];
}

/** Options of `lineage`. */
export interface LineageQueryOptions {
  /** `upstream` (what it came from), `downstream` (what came of it) or `both` (the union of the two). */
  direction: "upstream" | "downstream" | "both";
  /** Edges to follow from a start node (artifact→execution is one hop); default 20, at most 1000. */
  maxHops?: number;
}

/** Options of `toOpenLineage`. */
export interface OpenLineageOptions {
  /** The job namespace; default `mlstack`. */
  namespace?: string;
  /** The producer URI; default the mlstack repository URL of this package. */
  producer?: string;
}

/** An OpenLineage 2-0-2 RunEvent as plain JSON. */
export interface OpenLineageRunEvent {
  eventType: "START" | "COMPLETE" | "FAIL" | "ABORT";
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, unknown> };
  job: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs: Array<{ namespace: string; name: string; facets?: Record<string, unknown> }>;
  outputs: Array<{ namespace: string; name: string; facets?: Record<string, unknown> }>;
}

/** Events a MetadataStore emits. */
export interface MetadataStoreEvents {
  runCreated: (run: Run) => void;
  runEnded: (run: Run) => void;
  modelVersionCreated: (version: ModelVersion) => void;
  aliasMoved: (move: AliasMove) => void;
}

/** The capability flags of a MetadataStore. */
export interface MetadataCapabilities {
  readonly [flag: string]: boolean;
  /** `searchRuns` with filters and orderings. */
  readonly search: boolean;
  /** `logArtifact`, `listArtifacts`, `readArtifact`. */
  readonly artifacts: boolean;
  /** Registered models, versions and aliases. */
  readonly modelRegistry: boolean;
  /** `putLineage` and `lineage`. */
  readonly lineage: boolean;
  /** `toOpenLineage`. */
  readonly openLineage: boolean;
}

/** Options of `searchExperiments`. */
export interface SearchExperimentsInput {
  /** A `like` pattern on the name (`%`, `_`). */
  nameLike?: string;
  lifecycle?: Lifecycle | "all";
  pageSize?: number;
  pageToken?: string;
}

/** Options of `searchModelVersions`. */
export interface SearchModelVersionsInput {
  model?: string;
  runId?: string;
  /** Include tombstones; default false. */
  includeDeleted?: boolean;
}

/**
 * The MetadataStore brick: experiment tracking (MLflow's model), a model registry with aliases, and a
 * lineage graph (ML Metadata's model) with OpenLineage export. Every method validates its input and a
 * failed call changes nothing.
 */
export interface MetadataStore
  extends Brick<"metadata", MetadataCapabilities>,
    Pick<TypedEmitter<MetadataStoreEvents>, "on" | "off" | "once"> {
  readonly specificationVersion: typeof SPECIFICATION_VERSION;

  /** Creates an experiment; `ALREADY_EXISTS` if an active or deleted one has the name. */
  createExperiment(input: CreateExperimentInput): Promise<Experiment>;
  /** `NOT_FOUND` when absent. */
  getExperiment(experimentId: string): Promise<Experiment>;
  /** `NOT_FOUND` when absent. */
  getExperimentByName(name: string): Promise<Experiment>;
  /** Experiments ordered by name. */
  searchExperiments(input?: SearchExperimentsInput): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, name: string): Promise<Experiment>;
  deleteExperiment(experimentId: string): Promise<Experiment>;
  restoreExperiment(experimentId: string): Promise<Experiment>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;

  /** Creates a run in an active experiment. */
  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  /** Moves a `SCHEDULED` run to `RUNNING`, or renames it. */
  updateRun(runId: string, input: { name?: string; status?: "RUNNING" }): Promise<Run>;
  /** Ends an open run; ending a terminal run is `FAILED_PRECONDITION`. */
  endRun(runId: string, status: TerminalRunStatus, options?: EndRunOptions): Promise<Run>;
  deleteRun(runId: string): Promise<Run>;
  restoreRun(runId: string): Promise<Run>;

  /** Logs metrics, params and tags atomically. */
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  logMetric(runId: string, key: string, value: number, options?: { step?: number; timestamp?: number }): Promise<void>;
  logParam(runId: string, key: string, value: string): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  /** Declares refs the run consumed (lineage input events). */
  logInputs(runId: string, refs: Ref[]): Promise<void>;
  /** The points of a key ordered by step, then timestamp, then value (NaN last). */
  getMetricHistory(runId: string, key: string, options?: MetricHistoryOptions): Promise<MetricPoint[]>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;

  /** Stores bytes in the artifact store and records them at `path` of the run (a lineage output). */
  logArtifact(runId: string, path: string, data: ArtifactData): Promise<ArtifactRef>;
  listArtifacts(runId: string, prefix?: string): Promise<RunArtifact[]>;
  /** The bytes at `path`, digest-verified (`DATA_CORRUPTION` on mismatch). */
  readArtifact(runId: string, path: string): Promise<Uint8Array>;

  createRegisteredModel(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  /** Models ordered by name, optionally filtered by a `like` pattern. */
  searchRegisteredModels(input?: { nameLike?: string }): Promise<RegisteredModel[]>;
  createModelVersion(model: string, input: CreateModelVersionInput): Promise<ModelVersion>;
  /** A version, or its tombstone. */
  getModelVersion(model: string, version: string): Promise<ModelVersion>;
  /** Tombstones the version and deletes the aliases pointing at it. */
  deleteModelVersion(model: string, version: string): Promise<ModelVersion>;
  searchModelVersions(input?: SearchModelVersionsInput): Promise<ModelVersion[]>;
  setAlias(model: string, alias: string, version: string, options?: AliasOptions): Promise<AliasMove>;
  deleteAlias(model: string, alias: string, options?: AliasOptions): Promise<AliasMove>;
  getModelVersionByAlias(model: string, alias: string): Promise<ModelVersion>;
  /** Every move of the model's aliases (or of one), oldest first. */
  getAliasHistory(model: string, alias?: string): Promise<AliasMove[]>;

  /** Writes nodes and edges atomically. */
  putLineage(subgraph: LineageSubgraphInput): Promise<void>;
  /** The subgraph reachable from the start refs (artifacts keyed by ref, or executions whose id is a ref key). */
  lineage(start: Ref | Ref[], options: LineageQueryOptions): Promise<LineageGraph>;

  /** The run as OpenLineage RunEvents: START, then COMPLETE, FAIL or ABORT when it has ended. */
  toOpenLineage(runId: string, options?: OpenLineageOptions): Promise<OpenLineageRunEvent[]>;
}

/** The ref of a run, for lineage. */
export function runRef(run: Pick<RunInfo, "runId" | "experimentId">): RunRef {
  return { kind: "run", runId: run.runId, experimentId: run.experimentId };
}

/** The ref of a model version, for lineage. */
export function modelVersionRef(version: Pick<ModelVersion, "model" | "version">): ModelVersionRef {
  return { kind: "model-version", model: version.model, version: version.version };
}
