import type {
  Brick,
  DataCommitRef,
  HealthStatus,
  ProgressEvent,
  Schema,
  TrainingSetRef,
  TypedEmitter,
} from "@mlstack/core";

/** The types a join key may have. */
export type JoinKeyType = "int32" | "int64" | "string";

/** One join-key column of an entity. */
export interface JoinKey {
  readonly name: string;
  readonly type: JoinKeyType;
}

/** A thing features describe (a driver, a user), identified by one or more join keys. */
export interface EntityDefinition {
  readonly name: string;
  /** Composite keys are allowed: a row matches when every join key is equal. */
  readonly joinKeys: readonly JoinKey[];
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Where a view's rows come from: the offline storage of this store, written by `ingest` or `push`. */
export interface FeatureSourceDefinition {
  /** The record field holding the event time (epoch ms); default `event_timestamp`. */
  readonly eventTimestampField?: string;
  /**
   * The record field holding the time the row became known (epoch ms). Without it, the store's Clock at
   * ingestion is the created time.
   */
  readonly createdTimestampField?: string;
  /** The data commit the rows were loaded from, recorded as lineage. */
  readonly dataRef?: DataCommitRef;
}

/** What `getOnlineFeatures` does with a value older than the view's ttl. */
export type StalePolicy = "flag" | "null" | "error";

/** A group of features of the same entities, with one source and one ttl. */
export interface FeatureViewDefinition {
  readonly name: string;
  /** Entity names; the view's join keys are theirs, in this order. */
  readonly entities: readonly string[];
  /** The feature columns. */
  readonly schema: Schema;
  readonly source?: FeatureSourceDefinition;
  /** How long a value stays valid, in ms; 0 (default) means no limit. */
  readonly ttl?: number;
  /** Whether the view is served online (materialize, push online, getOnlineFeatures); default true. */
  readonly online?: boolean;
  /** Default `flag`: a stale value is returned with status `STALE`. */
  readonly stalePolicy?: StalePolicy;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A named list of features a model consumes. */
export interface FeatureServiceDefinition {
  readonly name: string;
  /** Feature references: `view:feature`, a whole `view`, or an on-demand view likewise. */
  readonly features: readonly string[];
  /** Output column names by feature reference (`view:feature`); they override the naming rule. */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A pure function of request fields and other views' features, applied at read time online and during
 * historical retrieval alike. The transform gets the request fields by name and the source features by
 * reference (`view:feature`); it returns the output fields of `schema`.
 */
export interface OnDemandFeatureViewDefinition {
  readonly name: string;
  /** Feature references it reads: `view:feature` or whole views. */
  readonly sources: readonly string[];
  /** Fields read from each entity row. */
  readonly requestSchema?: Schema;
  /** Its output features. */
  readonly schema: Schema;
  readonly transform: (inputs: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Which kind of definition. */
export type DefinitionKind = "entity" | "featureView" | "featureService" | "onDemandFeatureView";

/** Names one definition, e.g. to remove it. */
export interface DefinitionId {
  readonly kind: DefinitionKind;
  readonly name: string;
}

/** What `apply` and `plan` take: definitions to create or update, and ones to remove. */
export interface Definitions {
  readonly entities?: readonly EntityDefinition[];
  readonly featureViews?: readonly FeatureViewDefinition[];
  readonly featureServices?: readonly FeatureServiceDefinition[];
  readonly onDemandFeatureViews?: readonly OnDemandFeatureViewDefinition[];
  readonly remove?: readonly DefinitionId[];
}

/** One line of a plan. */
export interface DefinitionChange extends DefinitionId {
  readonly action: "create" | "update" | "remove" | "unchanged";
  /** What changed, for updates (e.g. `ttl: 0 → 3600000`). */
  readonly details?: readonly string[];
}

/** The changes `apply` makes or would make. */
export interface RegistryPlan {
  readonly changes: readonly DefinitionChange[];
  /** True when nothing would change. */
  readonly unchanged: boolean;
}

/** An on-demand view as the registry keeps it: the transform is held by the process that applied it. */
export interface StoredOnDemandFeatureView extends Omit<OnDemandFeatureViewDefinition, "transform"> {
  /** SHA-256 of the transform's source text: a changed function is an update. */
  readonly transformHash: string;
}

/** Every definition, with defaults filled in. */
export interface RegistrySnapshot {
  readonly entities: readonly EntityDefinition[];
  readonly featureViews: readonly ResolvedFeatureView[];
  readonly featureServices: readonly FeatureServiceDefinition[];
  readonly onDemandFeatureViews: readonly StoredOnDemandFeatureView[];
}

/** A view with its defaults filled in. */
export interface ResolvedFeatureView extends FeatureViewDefinition {
  readonly source: Required<Pick<FeatureSourceDefinition, "eventTimestampField">> & FeatureSourceDefinition;
  readonly ttl: number;
  readonly online: boolean;
  readonly stalePolicy: StalePolicy;
}

/** A record: join keys, the event (and created) timestamp, and feature values. */
export type FeatureRecord = Readonly<Record<string, unknown>>;

/** A row of an entity dataframe or a training set. */
export type Row = Record<string, unknown>;

/** Options of long calls. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** Where `push` writes. */
export type PushTarget = "online" | "offline" | "both";

/** What `ingest` did. */
export interface IngestResult {
  readonly rows: number;
}

/** What `push` did; an online write not newer than the stored one is ignored. */
export interface PushResult {
  readonly offline: number;
  readonly online: { readonly written: number; readonly ignored: number };
}

/** The features to read: references, or a feature service. */
export interface FeatureSelection {
  /** `view:feature`, whole `view`, or on-demand views likewise. */
  readonly features?: readonly string[];
  /** A feature service name, instead of `features`. */
  readonly service?: string;
  /** Name columns `view__feature` instead of `feature`; default false. */
  readonly fullFeatureNames?: boolean;
}

/** A request for a point-in-time-correct training set. */
export interface HistoricalRequest extends FeatureSelection, CallOptions {
  /** Entity rows: join keys, a timestamp and any other columns (labels), an array or a stream. */
  readonly entityRows: Iterable<Row> | AsyncIterable<Row>;
  /** The column holding each row's timestamp; default `event_timestamp`. */
  readonly timestampColumn?: string;
  /** Only rows created at or before this time count (rebuild a training set as it was known then). */
  readonly asOfKnownTime?: number;
  /** A per-row known-time column, instead of or as well as `asOfKnownTime` (the earlier of both wins). */
  readonly asOfKnownTimeColumn?: string;
}

/** A point-in-time-correct training set. */
export interface TrainingSet {
  /** The feature columns added, in order. */
  readonly featureNames: readonly string[];
  /** One row per entity row, in input order: the entity row's columns and the features. */
  readonly rows: readonly Row[];
  /** The training-set ref: the same call on the same data gives the same ref. */
  readonly ref: TrainingSetRef;
  /** The data commits the views were loaded from. */
  readonly lineage: readonly DataCommitRef[];
}

/** A training set delivered in batches, for entity streams larger than memory. */
export interface TrainingSetStream extends AsyncIterable<readonly Row[]> {
  readonly featureNames: Promise<readonly string[]>;
  /** Resolves once the stream has been read to the end; rejects if it failed. */
  readonly ref: Promise<TrainingSetRef>;
}

/** The status of one online value. */
export type FeatureStatus = "PRESENT" | "NOT_FOUND" | "NULL_VALUE" | "STALE";

/** A request for online features. */
export interface OnlineRequest extends FeatureSelection {
  /** Join keys (and request fields of on-demand views). */
  readonly entityRows: readonly Row[];
  /** Return columns (`columns`) instead of rows; default false. */
  readonly columnar?: boolean;
}

/** One entity row's online features. */
export interface OnlineRow {
  readonly values: Record<string, unknown>;
  readonly statuses: Record<string, FeatureStatus>;
  /** Event time of each value (epoch ms), null when not found. */
  readonly eventTimes: Record<string, number | null>;
}

/** One feature's values for every entity row. */
export interface OnlineColumn {
  readonly values: unknown[];
  readonly statuses: FeatureStatus[];
  readonly eventTimes: (number | null)[];
}

/** The answer of `getOnlineFeatures`. */
export interface OnlineFeatures {
  readonly featureNames: readonly string[];
  /** Row-oriented answer (absent when `columnar`). */
  readonly rows?: readonly OnlineRow[];
  /** Columnar answer (only when `columnar`). */
  readonly columns?: Readonly<Record<string, OnlineColumn>>;
}

/** What to materialize. */
export interface MaterializeRequest extends CallOptions {
  /** Online views to materialize; default all online views. */
  readonly views?: readonly string[];
  /** Inclusive bounds of event time (epoch ms). */
  readonly start: number;
  readonly end: number;
}

/** What to materialize incrementally. */
export interface MaterializeIncrementalRequest extends CallOptions {
  readonly views?: readonly string[];
  readonly end: number;
}

/** What one view's materialization did. */
export interface ViewMaterialization {
  readonly view: string;
  readonly start: number;
  readonly end: number;
  /** Entity keys with a row in range. */
  readonly rows: number;
  readonly written: number;
  /** Not newer than the stored online value. */
  readonly ignored: number;
}

/** What `materialize` did. */
export interface MaterializeResult {
  readonly views: readonly ViewMaterialization[];
}

/** Online reads to replay through historical retrieval. */
export interface SkewSample extends FeatureSelection {
  readonly entityRows: readonly Row[];
}

/** One value served online that historical retrieval at the same instant does not reproduce. */
export interface SkewMismatch {
  readonly row: number;
  readonly feature: string;
  readonly online: unknown;
  readonly status: FeatureStatus;
  readonly historical: unknown;
}

/** The answer of `checkSkew`. */
export interface SkewReport {
  /** The instant both reads used (the Clock's). */
  readonly at: number;
  readonly rows: number;
  readonly compared: number;
  readonly mismatches: readonly SkewMismatch[];
}

/** Events of a FeatureStore. */
export interface FeatureStoreEvents {
  progress: (event: ProgressEvent) => void;
}

/** What a FeatureStore implementation supports. */
export interface FeatureStoreCapabilities {
  readonly [capability: string]: boolean;
  /** Online serving: push online, getOnlineFeatures. */
  readonly online: boolean;
  /** materialize and materializeIncremental. */
  readonly materialize: boolean;
  /** On-demand feature views. */
  readonly onDemand: boolean;
  /** checkSkew. */
  readonly skewCheck: boolean;
}

/** The FeatureStore brick, v1. */
export interface FeatureStore extends Brick<"features", FeatureStoreCapabilities> {
  /** Progress of long work (`ingest`, `materialize:<view>`, `historical`). */
  readonly events: TypedEmitter<FeatureStoreEvents>;
  /** Creates, updates and removes definitions; applying the same definitions again changes nothing. */
  apply(definitions: Definitions): Promise<RegistryPlan>;
  /** The changes `apply` would make, without making them. */
  plan(definitions: Definitions): Promise<RegistryPlan>;
  /** Every definition. */
  listDefinitions(): Promise<RegistrySnapshot>;
  /** Appends records to a view's offline storage, all or nothing. */
  ingest(view: string, records: readonly FeatureRecord[], options?: CallOptions): Promise<IngestResult>;
  /** Writes records online, offline or both (default online). */
  push(view: string, records: readonly FeatureRecord[], options?: { readonly to?: PushTarget }): Promise<PushResult>;
  /** A point-in-time-correct training set. */
  getHistoricalFeatures(request: HistoricalRequest): Promise<TrainingSet>;
  /** The same, delivered in batches. */
  streamHistoricalFeatures(request: HistoricalRequest): TrainingSetStream;
  /** Copies the latest row per entity key with event time in [start, end] online. */
  materialize(request: MaterializeRequest): Promise<MaterializeResult>;
  /** Materializes from each view's last materialized end up to `end`. */
  materializeIncremental(request: MaterializeIncrementalRequest): Promise<MaterializeResult>;
  /** Online feature values with statuses. */
  getOnlineFeatures(request: OnlineRequest): Promise<OnlineFeatures>;
  /** Replays online reads through historical retrieval at the same instant and reports every mismatch. */
  checkSkew(sample: SkewSample): Promise<SkewReport>;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<HealthStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}
