import type {
  ArtifactStore,
  BrickKind,
  CanonicalStage,
  Clock,
  Coverage,
  CoverageLevel,
  DataCommitRef,
  HealthStatus,
  IdGenerator,
  ModelVersionRef,
  ProgressEvent,
  Ref,
  Schema,
  TrainingJobRef,
  TrainingSetRef,
  TypedEmitter,
} from "@mlstack/core";
import type { DataEngine } from "@mlstack/data";
import type { FeatureStore, HistoricalRequest, TrainingSet } from "@mlstack/features";
import type { LineageGraph, MetadataStore, ModelVersion, Run } from "@mlstack/metadata";
import type { AlertEvent, Monitor } from "@mlstack/monitor";
import type { DeploymentStatus, ServingEngine, Signature } from "@mlstack/serving";
import type { JobSpecInput, SweepResult, SweepSpecInput, TrainingEngine, TrainingJob } from "@mlstack/training";
import type { PERMISSIONS } from "./permissions.js";

/** The brick interface that fills each slot of a stack. */
export interface StackBrickMap {
  data: DataEngine;
  features: FeatureStore;
  training: TrainingEngine;
  serving: ServingEngine;
  metadata: MetadataStore;
  monitor: Monitor;
}

/** A slot of a stack: one per canonical component. */
export type SlotName = BrickKind & keyof StackBrickMap;

/** Several bricks of one kind under names, one of them the default. */
export interface NamedBricks<B> {
  readonly bricks: Readonly<Record<string, B>>;
  /** The name of the brick used when a call names none. */
  readonly default: string;
}

/** What a slot holds: one brick, or several named bricks with a default. */
export type Slot<B> = B | NamedBricks<B>;

/** The bricks given to {@link defineStack}; every slot is optional, and a brick of the wrong kind does not compile. */
export type StackBricks = { readonly [K in SlotName]?: Slot<StackBrickMap[K]> };

/** The name a single brick gets in its slot. */
export const DEFAULT_BRICK_NAME = "default";

/** A slot after normalisation: its named bricks and its default. */
export interface SlotBricks<B> {
  readonly default: string;
  readonly bricks: Readonly<Record<string, B>>;
}

/** One brick of a stack and where it sits. */
export interface SlotEntry<K extends SlotName = SlotName> {
  readonly slot: K;
  /** Its name within the slot (`default` for a single brick). */
  readonly name: string;
  readonly brick: StackBrickMap[K];
  readonly isDefault: boolean;
  /** `data` for a single brick, `data.archive` for a named one: how findings and events name it. */
  readonly path: string;
}

/**
 * The declared contract of one model along the loop. {@link Stack.validate} checks that each stage's
 * schema feeds the next (with `compareSchemas`), so a mismatch shows before any data moves.
 */
export interface ModelContract {
  /** The registered model's name; also the deployment's name unless `deployment.name` says otherwise. */
  readonly name: string;
  /** What the FeatureStore produces for this model: a feature service (or feature list) and its output schema. */
  readonly features?: {
    readonly service?: string;
    readonly features?: readonly string[];
    readonly schema: Schema;
    /** The FeatureStore brick's name in its slot; default the slot's default. */
    readonly brick?: string;
  };
  /** The trainer that makes the model and the columns it reads. */
  readonly trainer?: {
    readonly name: string;
    readonly version: string;
    readonly inputs: Schema;
    /** The label column the trainer reads besides its inputs. */
    readonly label?: string;
    readonly brick?: string;
  };
  /** The model's signature as the registry keeps it. */
  readonly signature: { readonly inputs: Schema; readonly outputs: Schema };
  /** How the model is served: runtime and Open Inference Protocol tensors. */
  readonly deployment?: {
    readonly name?: string;
    readonly runtime: string;
    readonly signature: Signature;
    readonly brick?: string;
  };
  /** What the Monitor compares against the reference: the feature columns it watches. */
  readonly monitor?: {
    readonly schema: Schema;
    readonly brick?: string;
  };
}

/** A permission on one kind of brick operation. */
export type Permission = (typeof PERMISSIONS)[number];

/** A permission granted to a role, on every resource or on those matching a glob (`loans-*`, `team/**`). */
export type Grant = Permission | { readonly permission: Permission; readonly resource: string };

/** Roles and their grants. Deny by default: what no role grants is refused. */
export interface AccessPolicy {
  readonly roles: Readonly<Record<string, readonly Grant[]>>;
  /** Record every decision in the MetadataStore (as runs of an audit experiment); default false. */
  readonly audit?: boolean | { readonly experiment?: string };
}

/** Who is calling. */
export interface Principal {
  readonly id: string;
  readonly roles: readonly string[];
}

/** One access decision. */
export interface AccessDecision {
  readonly principal: string;
  readonly permission: Permission;
  /** The resource the call touches (a repo, a view, a model, a deployment), or `*`. */
  readonly resource: string;
  /** `data.commit`, `features.getOnlineFeatures`, `stack.registerModel`, ... */
  readonly operation: string;
  readonly allowed: boolean;
  readonly at: number;
}

/** Options of {@link defineStack}. */
export interface StackOptions {
  /** A name for reports and diagrams; default `stack`. */
  readonly name?: string;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /**
   * The artifact store the training and serving bricks share (content-addressed, so model bytes are
   * kept once); the Stack reads model bytes from it to log them on runs.
   */
  readonly artifacts?: ArtifactStore;
  /** Declared model contracts, checked by `validate()`. */
  readonly models?: readonly ModelContract[];
  /** Lineage wiring into the MetadataStore; on by default when the stack has one. */
  readonly lineage?: {
    readonly enabled?: boolean;
    /** The experiment training runs go to when a job names none (label `mlstack.experiment`); default the stack's name. */
    readonly experiment?: string;
    /** The DataEngine repo where training-set snapshots are committed; default `mlstack-training-sets`. */
    readonly trainingSetRepo?: string;
  };
  /** Access policy for {@link Stack.as}. */
  readonly policy?: AccessPolicy;
  /** Free-form configuration kept with the stack; `SecretRef`s in it are redacted everywhere. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Timeout of each brick's health probe in `checkHealth()`; default 2000 ms. */
  readonly healthTimeoutMs?: number;
}

/** How bad a finding is: `error` means the stack cannot work as composed. */
export type FindingSeverity = "error" | "warning";

/**
 * The codes of validation findings:
 * - `SPEC_VERSION_MISMATCH`: a brick implements another interface version than core's.
 * - `MISSING_SLOT`: a brick, the stack's wiring or a model contract needs a slot that is empty.
 * - `MISSING_CAPABILITY`: the brick in a needed slot lacks a capability.
 * - `UNKNOWN_BRICK`: a model contract names a brick its slot does not hold.
 * - `SCHEMA_INCOMPATIBLE`: one stage of a model's loop cannot read what the previous one produces.
 * - `SCHEMA_LOSSY`: it can, but values may lose precision or be read as null.
 * - `SIGNATURE_MISMATCH`: a deployment's Open Inference Protocol tensors do not lay out the model's fields.
 * - `DUPLICATE_MODEL`: two model contracts share a name.
 * - `DUPLICATE_DEPLOYMENT`: two model contracts deploy under one deployment name on one serving brick.
 * - `LABEL_AS_INPUT`: a contract's trainer label is also one of the model's inputs.
 */
export type FindingCode =
  | "SPEC_VERSION_MISMATCH"
  | "MISSING_SLOT"
  | "MISSING_CAPABILITY"
  | "UNKNOWN_BRICK"
  | "SCHEMA_INCOMPATIBLE"
  | "SCHEMA_LOSSY"
  | "SIGNATURE_MISMATCH"
  | "DUPLICATE_MODEL"
  | "DUPLICATE_DEPLOYMENT"
  | "LABEL_AS_INPUT";

/** One problem `validate()` found. */
export interface Finding {
  readonly code: FindingCode;
  readonly severity: FindingSeverity;
  /**
   * Where to fix it: the empty slot (`metadata`) for `MISSING_SLOT`, the brick's slot path (`features`,
   * `serving.canary`) for brick problems, the contract stage (`models.loan-default.deployment`) for
   * contract problems.
   */
  readonly path: string;
  readonly message: string;
  /** What would fix it. */
  readonly hint: string;
}

/** The outcome of `validate()`: every finding, never only the first. */
export interface ValidationReport {
  /** True when no finding is an error. */
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

/** The live state of one brick. */
export interface BrickHealth extends HealthStatus {
  readonly slot: SlotName;
  readonly name: string;
  readonly path: string;
  /** How long the probe took (ms). */
  readonly latencyMs: number;
}

/** The outcome of `checkHealth()`. */
export interface HealthReport {
  /** `down` if any brick is down, `degraded` if any is degraded, else `ok`. */
  readonly status: HealthStatus["status"];
  readonly bricks: readonly BrickHealth[];
}

/** One row of the coverage matrix: a stage and what covers it. */
export interface StageCoverage {
  readonly stage: CanonicalStage;
  /** The best level any brick reaches, or `none`. */
  readonly level: CoverageLevel | "none";
  /** The bricks (by slot path) or `stack` that cover it, with their level. */
  readonly by: readonly { readonly path: string; readonly level: CoverageLevel }[];
}

/** One column of the coverage matrix: a brick of the stack, or the Stack itself (`stack`). */
export interface CoverageColumn {
  /** The brick's slot path (`data`, `serving.canary`), or `stack`. */
  readonly path: string;
  /** The brick's slot, or `stack` for what the Stack itself covers. */
  readonly slot: SlotName | "stack";
  /** The brick's implementation name (`memory`, `sqlite`); `stack` for the Stack. */
  readonly implementation: string;
  /** Its colour in the picture (`#rrggbb`, solid for full coverage). */
  readonly color: string;
  /** The stages it declares (the Stack's: lineage when lineage is on, access-control when a policy is set). */
  readonly coverage: Coverage;
}

/** What `coverage()` returns. */
export interface CoverageReport {
  /** The columns of the matrix, bricks in slot order, then `stack`. */
  readonly columns: readonly CoverageColumn[];
  readonly stages: readonly StageCoverage[];
  /** Stages nothing covers. */
  readonly gaps: readonly CanonicalStage[];
  /** Stages only partly covered. */
  readonly partial: readonly CanonicalStage[];
  /** The matrix as a text table. */
  readonly text: string;
  /** The canonical-stack picture: one colour per brick, solid for full, light for partial. */
  readonly svg: string;
  /** A self-contained HTML page with the picture and the table. */
  readonly html: string;
}

/** The lineage of a ref, as a graph and as renderings. */
export interface Explanation {
  readonly start: Ref;
  readonly graph: LineageGraph;
  /** One line per hop. */
  readonly text: string;
  /** A Mermaid `flowchart`. */
  readonly mermaid: string;
}

/** Options of {@link Stack.lineage} and {@link Stack.explain}. */
export interface StackLineageOptions {
  /** Default `upstream`. */
  readonly direction?: "upstream" | "downstream" | "both";
  readonly maxHops?: number;
}

/** A training set built through the stack: recorded in lineage and snapshotted in the DataEngine. */
export interface StackTrainingSet extends TrainingSet {
  /** The data commit holding the snapshot the trainer reads (when the stack has a DataEngine). */
  readonly snapshot?: DataCommitRef;
}

/** A request of {@link Stack.buildTrainingSet}. */
export interface BuildTrainingSetRequest extends HistoricalRequest {
  /** The FeatureStore brick's name; default the slot's default. */
  readonly brick?: string;
}

/** A finished training job and the run that records it. */
export interface TrainedModel {
  readonly job: TrainingJob;
  readonly run: Run;
}

/** A sweep run through the stack: the parent run and one child run per trial. */
export interface StackSweepResult extends SweepResult {
  readonly parentRun: Run;
  /** Child runs by trial number. */
  readonly runs: Readonly<Record<number, Run>>;
}

/** Input of {@link Stack.registerModel}. */
export interface RegisterModelInput {
  /** The training job whose model to register. */
  readonly job: TrainingJobRef;
  /** The registered model's name (created when missing). */
  readonly model: string;
  /** An alias to point at the new version (`models:promote`). */
  readonly alias?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Input of {@link Stack.deploy}. */
export interface StackDeployInput {
  readonly model: ModelVersionRef;
  /** Default the model's contract deployment name, else the model's name. */
  readonly name?: string;
  /** Default the contract's runtime, else `linear`. */
  readonly runtime?: string;
  /** Default the contract's signature, else derived from the registered signature (one FP64 matrix). */
  readonly signature?: Signature;
  /** Register the deployment with the Monitor (schema from the contract or the signature) and set its reference. */
  readonly monitor?: {
    /**
     * Rows of the reference (usually the training set), scored by the new deployment to add the
     * prediction column; they need the model's input columns.
     */
    readonly reference?: { readonly rows: readonly Record<string, unknown>[]; readonly trainingSet?: TrainingSetRef };
    readonly windowMs?: number;
    readonly task?: "classification" | "regression";
    /** Threshold turning a classifier's score into the predicted class; default 0.5. */
    readonly threshold?: number;
    /** Adds a `dataset_drift >= 1` alert rule; default true. */
    readonly driftAlert?: boolean;
  };
  readonly serving?: string;
  readonly signal?: AbortSignal;
}

/** What {@link Stack.onDrift} does when a drift alert fires for a deployment. */
export interface DriftPolicy {
  /** The deployment watched. */
  readonly deployment: string;
  /** The training set to retrain on (usually built from the newest data commit). */
  readonly trainingSet: (alert: AlertEvent) => Promise<StackTrainingSet | TrainingSetRef>;
  /** Percent of traffic for the new version; default 10. */
  readonly canaryWeight?: number;
  /** Params merged over the champion's params for the retrain. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** An alias to set on the new version (e.g. `challenger`). */
  readonly alias?: string;
  /** Alert rule names that trigger a retrain; default every rule on a drift metric. */
  readonly rules?: readonly string[];
}

/** One retrain the drift loop ran. */
export interface DriftRetrain {
  readonly alert: AlertEvent;
  /** The model version that served most of the traffic when the alert fired, and still does. */
  readonly champion: ModelVersionRef;
  readonly trainingSet: TrainingSetRef;
  readonly job: TrainingJobRef;
  readonly modelVersion: ModelVersionRef;
  /** The deployment at the revision that canaries the new version. */
  readonly deployment: DeploymentStatus;
}

/**
 * A running drift loop. One retrain runs at a time: alerts that fire during it are covered by it
 * (coalesced), not queued. A failed retrain is a `drift.retrain.failed` event, never a rejection.
 */
export interface DriftLoop {
  /** Retrains done so far. */
  readonly retrains: readonly DriftRetrain[];
  /** Resolves when the retrain in progress (if any) has finished. */
  idle(): Promise<void>;
  /** Stops listening; waits for a retrain in progress. */
  close(): Promise<void>;
}

/** A lifecycle step of one brick. */
export interface LifecycleEvent {
  readonly path: string;
  readonly phase: "starting" | "started" | "stopping" | "stopped" | "failed" | "rolled-back";
  readonly error?: Error;
}

/** Events of a stack. */
export interface StackEvents {
  /** Every brick's progress, the task prefixed with the brick's path (`data:commit`, `training:sweep`). */
  progress: (event: ProgressEvent) => void;
  lifecycle: (event: LifecycleEvent) => void;
  /** A lineage execution was recorded in the MetadataStore. */
  "lineage.recorded": (event: { readonly execution: string; readonly type: string }) => void;
  /** Recording lineage failed; the brick call itself had succeeded. */
  "lineage.error": (event: { readonly what: string; readonly error: Error }) => void;
  access: (decision: AccessDecision) => void;
  /** Recording an access decision in the MetadataStore failed; the checked call itself went on. */
  "audit.error": (event: { readonly decision: AccessDecision; readonly error: Error }) => void;
  "drift.retrain.started": (event: { readonly alert: AlertEvent }) => void;
  "drift.retrain.completed": (event: DriftRetrain) => void;
  "drift.retrain.failed": (event: { readonly alert: AlertEvent; readonly error: Error }) => void;
}

/** A JSON description of a stack: bricks, capabilities and configuration with secrets redacted. */
export interface StackDescription {
  readonly name: string;
  readonly slots: Readonly<
    Record<string, readonly { name: string; implementation: string; specificationVersion: string; default: boolean }[]>
  >;
  readonly config: unknown;
}

/**
 * A composed stack: the bricks, proven to fit by `validate()`, started and stopped in order, with
 * lineage recorded across them and every call of a principal's view checked against the policy.
 * A plain value: nothing global, several stacks live side by side.
 */
export interface Stack extends AsyncDisposable {
  readonly name: string;
  /** The principal of this view, or undefined for the owner's (unchecked) view. */
  readonly principal: Principal | undefined;
  readonly events: TypedEmitter<StackEvents>;
  /** The default brick of each slot (wired for lineage, and checked in a principal's view); `FAILED_PRECONDITION` when the slot is empty. */
  readonly data: DataEngine;
  readonly features: FeatureStore;
  readonly training: TrainingEngine;
  readonly serving: ServingEngine;
  readonly metadata: MetadataStore;
  readonly monitor: Monitor;
  /** A named brick of a slot (the default without a name). */
  brick<K extends SlotName>(slot: K, name?: string): StackBrickMap[K];
  /** Whether the slot (or one named brick of it) is filled. */
  has(slot: SlotName, name?: string): boolean;
  /** Every brick with its slot and name. */
  entries(): readonly SlotEntry[];

  /** Static and complete: every finding, never only the first. Pure: no I/O. */
  validate(): ValidationReport;
  /** Live probes of every brick, each with a timeout. */
  checkHealth(options?: { readonly timeoutMs?: number }): Promise<HealthReport>;
  /** Starts the bricks in dependency order; when one fails, the started ones are stopped again. */
  start(): Promise<void>;
  /** Stops the bricks in reverse dependency order (all of them, even when one fails). */
  stop(): Promise<void>;

  /** Waits until everything the bricks produced so far is recorded in lineage. */
  flush(): Promise<void>;
  /** The lineage graph of a ref. */
  lineage(ref: Ref, options?: StackLineageOptions): Promise<LineageGraph>;
  /** The lineage of a ref as text and a Mermaid diagram. */
  explain(ref: Ref, options?: StackLineageOptions): Promise<Explanation>;

  /** A point-in-time training set, recorded in lineage with its source commits and snapshotted for trainers. */
  buildTrainingSet(request: BuildTrainingSetRequest): Promise<StackTrainingSet>;
  /** Submits a job, waits for it, and returns it with its recorded run. */
  train(spec: JobSpecInput): Promise<TrainedModel>;
  /** Runs a sweep with a parent run and one child run per trial. */
  sweep(spec: SweepSpecInput, options?: { readonly signal?: AbortSignal }): Promise<StackSweepResult>;
  /** The run that records a training job (waits for it to be recorded). */
  runOf(job: TrainingJobRef): Promise<Run>;
  /** Registers a job's model as the next version of a model, from its run, optionally with an alias. */
  registerModel(input: RegisterModelInput): Promise<ModelVersion>;
  /** Deploys a model version and optionally registers it with the Monitor. */
  deploy(input: StackDeployInput): Promise<DeploymentStatus>;
  /** Retrain, register and canary automatically when the Monitor fires a drift alert. */
  onDrift(policy: DriftPolicy): DriftLoop;

  /** Which canonical stages the bricks cover. */
  coverage(): CoverageReport;
  /** A view of the stack in which every call is checked against the policy for `principal`. */
  as(principal: Principal): Stack;
  /** Bricks and configuration, with secrets redacted. */
  toJSON(): StackDescription;
}
