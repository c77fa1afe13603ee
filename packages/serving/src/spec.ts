import type {
  ArtifactRef,
  Brick,
  BrickRequirement,
  DeploymentRef,
  HealthStatus,
  ModelVersionRef,
  ProgressEvents,
  TypedEmitter,
} from "@mlstack/core";
import type {
  Datatype,
  DeploymentChanges,
  DeploymentSpec,
  DeploymentSpecInput,
  InferenceRequest,
  ModelSource,
  Parameters,
  PredictOptions,
  RollbackOptions,
  Signature,
} from "./schemas.js";

/** The values of a tensor, flat and row-major. */
export type TensorValues =
  | readonly number[]
  | readonly boolean[]
  | readonly string[]
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor handed to a model: flat row-major `data` of `shape`. */
export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorValues;
}

/** The inputs of one model call, by input name; the first axis is the batch. */
export type ModelInputs = Readonly<Record<string, Tensor>>;

/** What a model returns per output name: the shape and flat row-major data (the datatype comes from the signature). */
export type ModelOutputs = Readonly<Record<string, { readonly shape: readonly number[]; readonly data: TensorValues }>>;

/** A model loaded by a runtime, ready to score batches. */
export interface LoadedModel {
  /** Scores one batch. Throwing fails the batch (the engine then bisects it to isolate the bad request). */
  predict(inputs: ModelInputs): ModelOutputs | Promise<ModelOutputs>;
  /** Releases what `load` acquired. */
  unload(): Promise<void>;
}

/** What a runtime loads: the source and, for stored models, their verified bytes. */
export interface ModelPayload {
  readonly source: ModelSource;
  /** The artifact the bytes came from (after resolving a model-version ref). */
  readonly artifact?: ArtifactRef;
  readonly bytes?: Uint8Array;
}

/** The model runtime SPI: turns model bytes (or a registered function) into a {@link LoadedModel}. */
export interface ModelRuntime {
  /** The name deployments give as `runtime`. */
  readonly name: string;
  /** The protocol's platform string, `<project>_<format>`, reported in model metadata. */
  readonly platform: string;
  /** Loads a model for `signature`; `INVALID_ARGUMENT` when the model does not fit the signature. */
  load(payload: ModelPayload, signature: Signature, options?: { signal?: AbortSignal }): Promise<LoadedModel>;
}

/** Finds the artifact of a registered model version (the MetadataStore's registry does this in a Stack). */
export type ModelVersionResolver = ((ref: ModelVersionRef) => Promise<ArtifactRef>) & {
  /** The bricks it reads from, declared so that a Stack can check they are there (the engine's `requires`). */
  readonly requires?: readonly BrickRequirement[];
};

/** One output tensor of a response. */
export interface ResponseOutput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  data: (number | boolean | string)[];
}

/** An Open Inference Protocol inference response. */
export interface InferenceResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters?: Parameters;
  outputs: ResponseOutput[];
}

/** Model metadata, as the protocol's `metadata_model_response`. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: { name: string; datatype: Datatype; shape: number[] }[];
  outputs: { name: string; datatype: Datatype; shape: number[] }[];
}

/** Server metadata, as the protocol's `metadata_server_response`. */
export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/** The inference side of the protocol, spoken alike by the in-process engine and the HTTP client. */
export interface InferencePredictor {
  /** Scores a request on a deployment; without `options.version` the traffic split picks the version. */
  predict(model: string, request: InferenceRequest, options?: PredictOptions): Promise<InferenceResponse>;
  /** Metadata of a deployment, or of one of its versions; `NOT_FOUND` for unknown ones. */
  modelMetadata(model: string, version?: string): Promise<ModelMetadata>;
  /** Whether a deployment (or one version) is ready; `NOT_FOUND` for unknown ones. */
  modelReady(model: string, version?: string): Promise<boolean>;
  /** Ready when at least one deployment exists and all are ready. */
  serverReady(): Promise<boolean>;
  /** Whether the server answers at all. */
  serverLive(): Promise<boolean>;
  serverMetadata(): Promise<ServerMetadata>;
}

/** One version of a deployment as its status reports it. */
export interface VersionStatus {
  version: string;
  model: ModelSource;
  /** Percent of the routed traffic; `0` for the shadow. */
  weight: number;
  shadow: boolean;
}

/** What `status` reports about a deployment. */
export interface DeploymentStatus {
  /** The ref of the serving revision. */
  ref: DeploymentRef & { revision: number };
  name: string;
  revision: number;
  /** `loading` while its first revision loads; `failed` when a restored deployment could not load. */
  state: "loading" | "ready" | "failed";
  ready: boolean;
  runtime: string;
  traffic: VersionStatus[];
  shadow?: VersionStatus;
  /** The revision being loaded by an update or rollback in progress. */
  pendingRevision?: number;
  /** Revisions kept for rollback, oldest first. */
  revisions: number[];
  /** Why the deployment is `failed`. */
  error?: string;
  createdAt: number;
  updatedAt: number;
}

/** Counters of one version. Queue and compute time are kept apart. */
export interface VersionStats {
  /** Requests answered or refused after routing. */
  requests: number;
  /** Requests that failed (invalid, refused, timed out or model failure). */
  failures: number;
  /** Rows scored. */
  inferences: number;
  /** Model calls (batches). */
  executions: number;
  /** Total milliseconds requests waited in the queue. */
  queueMs: number;
  /** Total milliseconds of model calls. */
  computeMs: number;
}

/** Shadow comparison counters. */
export interface ShadowStats {
  version: string;
  /** Requests whose shadow answer was compared. */
  compared: number;
  /** Of those, answers that differed (or where the shadow failed). */
  mismatches: number;
  /** Copies not sent because the shadow's queue was full. */
  dropped: number;
  /** mismatches / compared (0 when nothing was compared). */
  mismatchRate: number;
}

/** The counters of a deployment's serving revision. */
export interface DeploymentStats {
  ref: DeploymentRef & { revision: number };
  versions: Record<string, VersionStats>;
  shadow?: ShadowStats;
}

/** Emitted when a shadow answer differs from the primary's; the Monitor consumes these. */
export interface ShadowMismatchEvent {
  deployment: DeploymentRef & { revision: number };
  requestId: string;
  primaryVersion: string;
  shadowVersion: string;
  /** `output` when outputs differ, `shadow-error` when the shadow failed where the primary succeeded. */
  reason: "output" | "shadow-error";
  /** The first differing output, when the reason is `output`. */
  output?: string;
  detail: string;
  /** Clock time of the comparison. */
  at: number;
}

/** How a request ended, as metrics label it. */
export type RequestOutcome = "success" | "invalid" | "rejected" | "timeout" | "cancelled" | "error";

/** One answered request, for metrics and monitoring. */
export interface RequestObservation {
  deployment: string;
  version: string;
  outcome: RequestOutcome;
  rows: number;
  queueMs: number;
  computeMs: number;
  shadow: boolean;
}

/** One model call. */
export interface ExecutionObservation {
  deployment: string;
  version: string;
  rows: number;
  computeMs: number;
  ok: boolean;
}

/** A lifecycle change of a deployment. */
export interface DeploymentEvent {
  type: "deployed" | "updated" | "rolled-back" | "undeployed" | "load-failed";
  ref: DeploymentRef;
  at: number;
  error?: string;
}

/** Events of a ServingEngine. */
export interface ServingEvents extends ProgressEvents {
  "shadow-mismatch": (event: ShadowMismatchEvent) => void;
  request: (event: RequestObservation) => void;
  execution: (event: ExecutionObservation) => void;
  deployment: (event: DeploymentEvent) => void;
}

/** What a ServingEngine implementation supports. */
export interface ServingCapabilities extends Record<string, boolean> {
  batching: boolean;
  trafficSplit: boolean;
  shadow: boolean;
  rollback: boolean;
  /** Deployments survive a restart (restored by `start`). */
  durable: boolean;
}

/** The ServingEngine brick: deployments of model versions, predict, batching, traffic split and shadow. */
export interface ServingEngine
  extends Brick<"serving", ServingCapabilities>,
    InferencePredictor,
    Pick<TypedEmitter<ServingEvents>, "on" | "off" | "once"> {
  /** Loads every version and makes the deployment live; `ALREADY_EXISTS` for a taken name. */
  deploy(spec: DeploymentSpecInput, options?: { signal?: AbortSignal }): Promise<DeploymentStatus>;
  /** Loads a new revision beside the serving one and moves traffic only once it is ready. */
  update(name: string, changes: DeploymentChanges, options?: { signal?: AbortSignal }): Promise<DeploymentStatus>;
  /** Serves an earlier revision's spec again, as a new revision (the previous one by default). */
  rollback(name: string, options?: RollbackOptions & { signal?: AbortSignal }): Promise<DeploymentStatus>;
  /** Stops routing to a deployment, finishes its in-flight requests and unloads it. */
  undeploy(name: string): Promise<void>;
  list(): Promise<DeploymentStatus[]>;
  status(name: string): Promise<DeploymentStatus>;
  /** The spec of the serving revision, defaults applied. */
  spec(name: string): Promise<DeploymentSpec>;
  stats(name: string): Promise<DeploymentStats>;
  /** Restores stored deployments; idempotent. Lifecycle calls start the engine themselves. */
  start(): Promise<void>;
  /** Finishes in-flight requests, unloads every model; idempotent. */
  stop(): Promise<void>;
  /** `down` once stopped, `degraded` while a restored deployment failed to load, `ok` otherwise. */
  health(): Promise<HealthStatus>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
