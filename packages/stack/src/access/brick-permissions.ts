import type { Permission, SlotName, StackBrickMap } from "../spec.js";
import { ALL_RESOURCES } from "./match-resource.js";

/** One permission a call needs, on one resource. */
export interface AccessRequirement {
  readonly permission: Permission;
  readonly resource: string;
}

/** How one brick method is checked. */
export interface MethodAccess {
  /** The permission the method needs (calls touching several kinds of resource may need more: see `requirements`). */
  readonly permission: Permission;
  /** What the resource is, in words (for documentation). */
  readonly resource: string;
  /** True when the method returns synchronously: a denial throws instead of rejecting. */
  readonly sync?: boolean;
  /**
   * Every permission the call needs, one per resource it touches, computed from its raw arguments
   * before the brick validates them: where an argument does not name a resource the resource is `*`,
   * which only an unscoped grant covers.
   */
  readonly requirements: (args: readonly unknown[]) => readonly AccessRequirement[];
}

/** Listener methods of a brick's emitter: they pass through a guarded view unchecked. */
export const LISTENER_METHODS: ReadonlySet<string> = new Set([
  "on",
  "off",
  "once",
  "addListener",
  "removeListener",
  "listeners",
  "listenerCount",
  "eventNames",
]);

/** Emitter methods that act for the brick (forge an event, drop the stack's own listeners): `stack:admin`. */
export const EMITTER_ADMIN_METHODS: ReadonlySet<string> = new Set(["emit", "removeAllListeners"]);

/** The string-named methods of a brick interface, emitter methods aside. */
export type BrickMethod<B> = Exclude<
  { [K in keyof B]-?: B[K] extends ((...args: never[]) => unknown) | undefined ? K : never }[keyof B] & string,
  | "on"
  | "off"
  | "once"
  | "addListener"
  | "removeListener"
  | "listeners"
  | "listenerCount"
  | "eventNames"
  | "emit"
  | "removeAllListeners"
>;

/** The access rule of every method of one brick interface: a missing method does not compile. */
export type BrickAccessTable<B> = { readonly [M in BrickMethod<B>]: MethodAccess };

/** Plain fields of each brick interface a guarded view lets through (read-only); any other field reads as undefined. */
export const BRICK_FIELDS: { readonly [K in SlotName]: ReadonlySet<string> } = (() => {
  const common = ["kind", "name", "specificationVersion", "capabilities", "coverage", "requires"];
  return {
    data: new Set(common),
    features: new Set([...common, "events"]),
    training: new Set([...common, "concurrency"]),
    serving: new Set(common),
    metadata: new Set(common),
    monitor: new Set([...common, "events", "metricsContentType"]),
  };
})();

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/** The resource an argument names, or `*` when it names none. */
const resourceOf = (value: unknown): string => (typeof value === "string" && value.length > 0 ? value : ALL_RESOURCES);

const unique = (requirements: AccessRequirement[]): AccessRequirement[] => {
  const seen = new Set<string>();
  return requirements.filter((r) => {
    const key = `${r.permission}\u0000${r.resource}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** A method needing `permission` on the resource `pick` reads from its arguments. */
function on(
  permission: Permission,
  resource: string,
  pick: (args: readonly unknown[]) => unknown,
  options: { readonly sync?: boolean } = {},
): MethodAccess {
  return {
    permission,
    resource,
    ...(options.sync ? { sync: true } : {}),
    requirements: (args) => [{ permission, resource: resourceOf(pick(args)) }],
  };
}

/** A method needing `permission` on each resource `pick` reads from its arguments (`*` when none). */
function onEach(
  permission: Permission,
  resource: string,
  pick: (args: readonly unknown[]) => readonly unknown[],
  options: { readonly sync?: boolean; readonly also?: (args: readonly unknown[]) => AccessRequirement[] } = {},
): MethodAccess {
  return {
    permission,
    resource,
    ...(options.sync ? { sync: true } : {}),
    requirements: (args) => {
      const names = pick(args).map(resourceOf);
      const own = (names.length === 0 ? [ALL_RESOURCES] : names).map((r) => ({ permission, resource: r }));
      return unique([...own, ...(options.also?.(args) ?? [])]);
    },
  };
}

const first = (args: readonly unknown[]): unknown => args[0];
const everything = (permission: Permission, resource = "every resource (`*`)"): MethodAccess =>
  on(permission, resource, () => undefined);
const admin = (): MethodAccess => everything("stack:admin");

/** Views and services a feature selection names: `view` of each `view:feature`, or the service. */
function selected(request: unknown): unknown[] {
  const names: unknown[] = [];
  const service = field(request, "service");
  if (service !== undefined) names.push(service);
  const features = field(request, "features");
  if (Array.isArray(features)) {
    for (const f of features) names.push(typeof f === "string" ? f.split(":")[0] : undefined);
  }
  return names;
}

/** Every definition name an `apply`/`plan` touches. */
function definitionNames(definitions: unknown): unknown[] {
  const names: unknown[] = [];
  for (const key of ["entities", "featureViews", "featureServices", "onDemandFeatureViews", "remove"]) {
    const list = field(definitions, key);
    if (Array.isArray(list)) for (const d of list) names.push(field(d, "name"));
  }
  return names;
}

/** `data:read` on the repo of each data commit or file a job reads. */
function inputRepos(spec: unknown): AccessRequirement[] {
  const inputs = field(spec, "inputs");
  if (!Array.isArray(inputs)) return [];
  return inputs
    .filter((ref) => field(ref, "kind") === "data-commit" || field(ref, "kind") === "data-file")
    .map((ref) => ({ permission: "data:read" as const, resource: resourceOf(field(ref, "repo")) }));
}

/** `models:read` on each registered model a deployment spec (or its changes) serves. */
function servedModels(spec: unknown): AccessRequirement[] {
  const sources = [field(spec, "model"), field(field(spec, "shadow"), "model")];
  const traffic = field(spec, "traffic");
  if (Array.isArray(traffic)) for (const entry of traffic) sources.push(field(entry, "model"));
  return sources
    .filter((source) => field(source, "kind") === "model-version")
    .map((source) => ({ permission: "models:read" as const, resource: resourceOf(field(source, "model")) }));
}

const pipelineRepo = (side: "input" | "output") => (args: readonly unknown[]) => field(field(args[0], side), "repo");

function pipeline(output: Permission, options: { readonly sync?: boolean } = {}): MethodAccess {
  return {
    permission: "data:read",
    resource: `the input repo (\`data:read\`) and the output repo (\`${output}\`)`,
    ...(options.sync ? { sync: true } : {}),
    requirements: (args) =>
      unique([
        { permission: "data:read", resource: resourceOf(pipelineRepo("input")(args)) },
        { permission: output, resource: resourceOf(pipelineRepo("output")(args)) },
      ]),
  };
}

const REPO = "the repo";
const VIEW = "each feature view or service named";
const JOB = "the job id";
const MODEL = "the registered model";
const DEPLOYMENT = "the deployment";
const EXPERIMENT_ID = "the experiment id";
const RUN = "the run id";

const dataTable: BrickAccessTable<StackBrickMap["data"]> = {
  start: admin(),
  stop: admin(),
  health: everything("data:read"),
  createRepo: on("data:admin", REPO, first),
  getRepo: on("data:read", REPO, first),
  listRepos: everything("data:read"),
  deleteRepo: on("data:admin", REPO, first),
  createBranch: on("data:write", REPO, first),
  deleteBranch: on("data:write", REPO, first),
  listBranches: on("data:read", REPO, first),
  commit: on("data:write", REPO, first),
  getCommit: on("data:read", REPO, first),
  log: on("data:read", REPO, first),
  read: on("data:read", REPO, first, { sync: true }),
  readBytes: on("data:read", REPO, first),
  stat: on("data:read", REPO, first),
  list: on("data:read", REPO, first),
  walk: on("data:read", REPO, first, { sync: true }),
  fileRef: on("data:read", REPO, first),
  diff: on("data:read", REPO, first),
  merge: on("data:write", REPO, first),
  commitTable: on("data:write", REPO, first),
  readTable: on("data:read", REPO, first, { sync: true }),
  // It reads the host's file system, so it is more than a write to the repo.
  addDirectory: on("data:admin", `${REPO} (it reads the host's file system)`, first),
  runPipeline: pipeline("data:write"),
  explain: pipeline("data:read"),
  subscribe: pipeline("data:write", { sync: true }),
  gc: everything("data:admin"),
  fsck: everything("data:admin"),
};

const featuresTable: BrickAccessTable<StackBrickMap["features"]> = {
  start: admin(),
  stop: admin(),
  health: everything("features:read"),
  apply: onEach("features:admin", "each definition created, updated or removed", (a) => definitionNames(a[0])),
  plan: onEach("features:read", "each definition named", (a) => definitionNames(a[0])),
  listDefinitions: everything("features:read"),
  ingest: on("features:write", "the feature view", first),
  push: on("features:write", "the feature view", first),
  getHistoricalFeatures: onEach("features:read", VIEW, (a) => selected(a[0])),
  streamHistoricalFeatures: onEach("features:read", VIEW, (a) => selected(a[0]), { sync: true }),
  materialize: onEach("features:write", "each view named (`*` for all)", (a) => {
    const views = field(a[0], "views");
    return Array.isArray(views) ? views : [];
  }),
  materializeIncremental: onEach("features:write", "each view named (`*` for all)", (a) => {
    const views = field(a[0], "views");
    return Array.isArray(views) ? views : [];
  }),
  getOnlineFeatures: onEach("features:read", VIEW, (a) => selected(a[0])),
  checkSkew: onEach("features:read", VIEW, (a) => selected(a[0])),
};

const trainingTable: BrickAccessTable<StackBrickMap["training"]> = {
  start: admin(),
  stop: admin(),
  health: everything("training:read"),
  registerTrainer: on("training:admin", "the trainer's name", (a) => field(a[0], "name")),
  listTrainers: everything("training:read"),
  submit: onEach(
    "training:submit",
    "the trainer's name, and `data:read` on each data input's repo",
    (a) => [field(field(a[0], "trainer"), "name")],
    {
      also: (a) => inputRepos(a[0]),
    },
  ),
  getJob: on("training:read", JOB, first),
  listJobs: on("training:read", "the `trainer` filter (`*` without one)", (a) => field(a[0], "trainer")),
  waitFor: on("training:read", JOB, first),
  cancel: on("training:cancel", JOB, first),
  transitions: on("training:read", JOB, first),
  metrics: on("training:read", JOB, first),
  checkpoints: on("training:read", JOB, first),
  sweep: onEach(
    "training:submit",
    "the trainer's name, and `data:read` on each data input's repo",
    (a) => [field(field(a[0], "trainer"), "name")],
    {
      also: (a) => inputRepos(a[0]),
    },
  ),
};

const servingTable: BrickAccessTable<StackBrickMap["serving"]> = {
  start: admin(),
  stop: admin(),
  health: everything("serving:read"),
  deploy: onEach(
    "serving:deploy",
    `${DEPLOYMENT}, and \`models:read\` on each registered model served`,
    (a) => [field(a[0], "name")],
    {
      also: (a) => servedModels(a[0]),
    },
  ),
  update: onEach(
    "serving:deploy",
    `${DEPLOYMENT}, and \`models:read\` on each registered model in the changes`,
    (a) => [a[0]],
    {
      also: (a) => servedModels(a[1]),
    },
  ),
  rollback: on("serving:deploy", DEPLOYMENT, first),
  undeploy: on("serving:deploy", DEPLOYMENT, first),
  list: everything("serving:read"),
  status: on("serving:read", DEPLOYMENT, first),
  spec: on("serving:read", DEPLOYMENT, first),
  stats: on("serving:read", DEPLOYMENT, first),
  predict: on("serving:predict", DEPLOYMENT, first),
  modelMetadata: on("serving:read", DEPLOYMENT, first),
  modelReady: on("serving:read", DEPLOYMENT, first),
  serverReady: everything("serving:read"),
  serverLive: everything("serving:read"),
  serverMetadata: everything("serving:read"),
};

const metadataTable: BrickAccessTable<StackBrickMap["metadata"]> = {
  start: admin(),
  stop: admin(),
  health: everything("metadata:read"),
  createExperiment: on("metadata:write", "the experiment's name", (a) => field(a[0], "name")),
  getExperiment: on("metadata:read", EXPERIMENT_ID, first),
  getExperimentByName: on("metadata:read", "the experiment's name", first),
  searchExperiments: everything("metadata:read"),
  renameExperiment: on("metadata:write", EXPERIMENT_ID, first),
  deleteExperiment: on("metadata:write", EXPERIMENT_ID, first),
  restoreExperiment: on("metadata:write", EXPERIMENT_ID, first),
  setExperimentTag: on("metadata:write", EXPERIMENT_ID, first),
  createRun: on("metadata:write", EXPERIMENT_ID, (a) => field(a[0], "experimentId")),
  getRun: on("metadata:read", RUN, first),
  updateRun: on("metadata:write", RUN, first),
  endRun: on("metadata:write", RUN, first),
  deleteRun: on("metadata:write", RUN, first),
  restoreRun: on("metadata:write", RUN, first),
  logBatch: on("metadata:write", RUN, first),
  logMetric: on("metadata:write", RUN, first),
  logParam: on("metadata:write", RUN, first),
  setTag: on("metadata:write", RUN, first),
  deleteTag: on("metadata:write", RUN, first),
  logInputs: on("metadata:write", RUN, first),
  getMetricHistory: on("metadata:read", RUN, first),
  searchRuns: onEach("metadata:read", "each experiment id searched", (a) => {
    const ids = field(a[0], "experimentIds");
    return Array.isArray(ids) ? ids : [];
  }),
  logArtifact: on("metadata:write", RUN, first),
  listArtifacts: on("metadata:read", RUN, first),
  readArtifact: on("metadata:read", RUN, first),
  createRegisteredModel: on("models:register", MODEL, first),
  getRegisteredModel: on("models:read", MODEL, first),
  searchRegisteredModels: everything("models:read"),
  createModelVersion: on("models:register", MODEL, first),
  getModelVersion: on("models:read", MODEL, first),
  deleteModelVersion: on("models:register", MODEL, first),
  searchModelVersions: on("models:read", "the `model` filter (`*` without one)", (a) => field(a[0], "model")),
  setAlias: on("models:promote", MODEL, first),
  deleteAlias: on("models:promote", MODEL, first),
  getModelVersionByAlias: on("models:read", MODEL, first),
  getAliasHistory: on("models:read", MODEL, first),
  putLineage: everything("metadata:write"),
  lineage: everything("lineage:read"),
  toOpenLineage: on("metadata:read", RUN, first),
};

const deploymentName = (a: readonly unknown[]): unknown => field(a[0], "name");
const windowDeployment = (a: readonly unknown[]): unknown => field(a[0], "deployment");

const monitorTable: BrickAccessTable<StackBrickMap["monitor"]> = {
  start: admin(),
  stop: admin(),
  health: everything("monitor:read"),
  registerDeployment: on("monitor:admin", DEPLOYMENT, (a) => field(field(a[0], "deployment"), "name")),
  getDeployment: on("monitor:read", DEPLOYMENT, deploymentName),
  listDeployments: everything("monitor:read"),
  setReference: on("monitor:admin", DEPLOYMENT, deploymentName),
  getReference: on("monitor:read", DEPLOYMENT, deploymentName),
  log: on("monitor:write", DEPLOYMENT, deploymentName),
  logLabels: on("monitor:write", DEPLOYMENT, deploymentName),
  windowAt: on("monitor:read", DEPLOYMENT, deploymentName),
  profile: on("monitor:read", "the window's deployment", windowDeployment),
  drift: on("monitor:read", "the window's deployment", windowDeployment),
  quality: on("monitor:read", "the window's deployment", windowDeployment),
  performance: on("monitor:read", "the window's deployment", windowDeployment),
  putAlertRule: on("monitor:admin", DEPLOYMENT, (a) => field(field(a[0], "deployment"), "name")),
  listAlertRules: on("monitor:read", "the deployment (`*` without one)", deploymentName),
  // A rule id does not say whose rule it is.
  deleteAlertRule: everything("monitor:admin", "every deployment (`*`)"),
  evaluateAlerts: on("monitor:write", DEPLOYMENT, deploymentName),
  metrics: everything("monitor:read"),
};

/**
 * The permission table: every public method of the six brick interfaces, the permission it needs and
 * the resource it is checked on. A principal's view of a brick (`stack.as(principal).data`) checks each
 * call against it before the brick sees the call; a method missing here is refused. `start`, `stop` and
 * `[Symbol.asyncDispose]` need `stack:admin`; `health` needs the brick's `:read`; listener methods
 * (`on`, `off`, `once`, ...) pass, `emit` and `removeAllListeners` need `stack:admin`.
 *
 * Resources are names: repos (`data:*`), feature views and services (`features:*`), trainers and job
 * ids (`training:*`), registered models (`models:*`), deployments (`serving:*`, `monitor:*`),
 * experiment and run ids (`metadata:*`). Calls touching several resources check each one: reading
 * features of several views, deploying several model versions, a pipeline's input and output repos,
 * a job's data inputs. Listings and calls whose argument names no resource are checked on `*`.
 *
 * | brick | methods | permission | resource |
 * |---|---|---|---|
 * | data | getRepo, listBranches, getCommit, log, read, readBytes, stat, list, walk, fileRef, diff, readTable | `data:read` | the repo |
 * | data | createBranch, deleteBranch, commit, merge, commitTable | `data:write` | the repo |
 * | data | createRepo, deleteRepo, addDirectory | `data:admin` | the repo |
 * | data | listRepos, health / gc, fsck | `data:read` / `data:admin` | `*` |
 * | data | runPipeline, subscribe / explain | `data:read` + `data:write` / `data:read` | input repo + output repo |
 * | features | listDefinitions, health | `features:read` | `*` |
 * | features | plan / apply | `features:read` / `features:admin` | each definition |
 * | features | getHistoricalFeatures, streamHistoricalFeatures, getOnlineFeatures, checkSkew | `features:read` | each view or service |
 * | features | ingest, push / materialize, materializeIncremental | `features:write` | the view / each view (`*` for all) |
 * | training | registerTrainer | `training:admin` | the trainer |
 * | training | submit, sweep | `training:submit` (+ `data:read`) | the trainer (+ each data input's repo) |
 * | training | getJob, waitFor, transitions, metrics, checkpoints / cancel | `training:read` / `training:cancel` | the job id |
 * | training | listTrainers, listJobs, health | `training:read` | `*` (listJobs: its trainer filter) |
 * | serving | deploy, update | `serving:deploy` (+ `models:read`) | the deployment (+ each registered model served) |
 * | serving | rollback, undeploy | `serving:deploy` | the deployment |
 * | serving | predict | `serving:predict` | the deployment |
 * | serving | status, spec, stats, modelMetadata, modelReady | `serving:read` | the deployment |
 * | serving | list, serverReady, serverLive, serverMetadata, health | `serving:read` | `*` |
 * | metadata | getExperiment, getExperimentByName, getRun, getMetricHistory, listArtifacts, readArtifact, toOpenLineage, searchRuns | `metadata:read` | the experiment (id or name) or run id |
 * | metadata | createExperiment, renameExperiment, deleteExperiment, restoreExperiment, setExperimentTag, createRun, updateRun, endRun, deleteRun, restoreRun, logBatch, logMetric, logParam, setTag, deleteTag, logInputs, logArtifact | `metadata:write` | the experiment (id, or name when creating) or run id |
 * | metadata | searchExperiments, health / putLineage / lineage | `metadata:read` / `metadata:write` / `lineage:read` | `*` |
 * | metadata | getRegisteredModel, getModelVersion, getModelVersionByAlias, getAliasHistory, searchModelVersions, searchRegisteredModels | `models:read` | the model (`*` for searches without one) |
 * | metadata | createRegisteredModel, createModelVersion, deleteModelVersion | `models:register` | the model |
 * | metadata | setAlias, deleteAlias | `models:promote` | the model |
 * | monitor | getDeployment, getReference, windowAt, profile, drift, quality, performance, listAlertRules | `monitor:read` | the deployment |
 * | monitor | log, logLabels, evaluateAlerts | `monitor:write` | the deployment |
 * | monitor | registerDeployment, setReference, putAlertRule / deleteAlertRule | `monitor:admin` | the deployment / `*` |
 * | monitor | listDeployments, metrics, health | `monitor:read` | `*` |
 * | every brick | start, stop, `[Symbol.asyncDispose]` | `stack:admin` | `*` |
 */
export const BRICK_PERMISSIONS: { readonly [K in SlotName]: BrickAccessTable<StackBrickMap[K]> } = {
  data: dataTable,
  features: featuresTable,
  training: trainingTable,
  serving: servingTable,
  metadata: metadataTable,
  monitor: monitorTable,
};
