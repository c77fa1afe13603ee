import type {
  ArtifactData,
  ArtifactRef,
  ArtifactStore,
  Clock,
  Coverage,
  HealthStatus,
  IdGenerator,
  Ref,
} from "@mlstack/core";
import {
  createUuidV7Generator,
  defineCapabilities,
  MlstackError,
  requireCapability,
  SPECIFICATION_VERSION,
  SystemClock,
  TypedEmitter,
  toMlstackError,
} from "@mlstack/core";
import type {
  AliasMove,
  AliasOptions,
  CreateExperimentInput,
  CreateModelVersionInput,
  CreateRunInput,
  EndRunOptions,
  Experiment,
  LineageGraph,
  LineageQueryOptions,
  LineageSubgraphInput,
  LogBatchInput,
  MetadataCapabilities,
  MetadataStore,
  MetadataStoreEvents,
  MetricHistoryOptions,
  MetricPoint,
  ModelVersion,
  OpenLineageOptions,
  OpenLineageRunEvent,
  Page,
  RegisteredModel,
  Run,
  RunArtifact,
  SearchExperimentsInput,
  SearchModelVersionsInput,
  SearchRunsInput,
  TerminalRunStatus,
} from "../spec.js";
import type { MetadataStorage } from "../storage/spec.js";
import * as artifacts from "./artifacts.js";
import type { EngineContext } from "./context.js";
import * as experiments from "./experiments.js";
import * as lineage from "./lineage.js";
import * as logging from "./logging.js";
import * as openLineage from "./open-lineage.js";
import * as registry from "./registry.js";
import * as runs from "./runs.js";
import * as search from "./search-runs.js";

/** The default capability manifest: everything on. */
export const METADATA_CAPABILITIES: MetadataCapabilities = defineCapabilities({
  search: true,
  artifacts: true,
  modelRegistry: true,
  lineage: true,
  openLineage: true,
});

/** Options every MetadataStore implementation built on the engine accepts. */
export interface MetadataStoreOptions {
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Run and experiment ids; defaults to UUIDv7. */
  ids?: IdGenerator;
  /** Where artifact bytes go. Without one, the `artifacts` capability is off. */
  artifacts?: ArtifactStore;
}

/**
 * The reference MetadataStore: every rule of the brick, over a {@link MetadataStorage}. Backends
 * subclass it (or construct it) with their storage; they never re-implement a rule.
 */
export class MetadataStoreEngine extends TypedEmitter<MetadataStoreEvents> implements MetadataStore {
  readonly kind = "metadata" as const;
  readonly name: string;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: MetadataCapabilities;
  readonly coverage: Coverage = Object.freeze({
    experimentation: "full",
    "model-registry": "full",
    lineage: "full",
    metadata: "full",
  });
  readonly #storage: MetadataStorage;
  readonly #ctx: EngineContext;
  #stopped = false;

  constructor(storage: MetadataStorage, options: MetadataStoreOptions = {}) {
    super();
    this.name = storage.name;
    this.#storage = storage;
    this.capabilities = defineCapabilities(METADATA_CAPABILITIES, { artifacts: options.artifacts !== undefined });
    const clock = options.clock ?? new SystemClock();
    this.#ctx = {
      storage,
      clock,
      ids: options.ids ?? createUuidV7Generator({ clock }),
      artifacts: options.artifacts,
      emit: (event, ...args) => {
        try {
          (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
        } catch (error) {
          throw new MlstackError("INTERNAL", `a ${event} listener threw; the change itself was committed`, {
            cause: error,
          });
        }
      },
    };
  }

  // Every public method runs through here: refuses work after stop() and lets only MlstackError out.
  async #call<T>(capability: string | undefined, fn: (ctx: EngineContext) => Promise<T>): Promise<T> {
    if (this.#stopped) throw new MlstackError("FAILED_PRECONDITION", `metadata store "${this.name}" is stopped`);
    if (capability) requireCapability(this, capability);
    try {
      return await fn(this.#ctx);
    } catch (error) {
      throw toMlstackError(error);
    }
  }

  async start(): Promise<void> {
    if (this.#stopped) throw new MlstackError("FAILED_PRECONDITION", `metadata store "${this.name}" is stopped`);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#storage.close();
  }

  async health(): Promise<HealthStatus> {
    if (this.#stopped) return { status: "down", detail: "stopped" };
    try {
      await this.#storage.read(async (tx) => await tx.getExperiment(""));
      return { status: "ok" };
    } catch (error) {
      return { status: "down", detail: toMlstackError(error).code };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  createExperiment(input: CreateExperimentInput): Promise<Experiment> {
    return this.#call(undefined, (c) => experiments.createExperiment(c, input));
  }
  getExperiment(experimentId: string): Promise<Experiment> {
    return this.#call(undefined, (c) => experiments.getExperiment(c, experimentId));
  }
  getExperimentByName(name: string): Promise<Experiment> {
    return this.#call(undefined, (c) => experiments.getExperimentByName(c, name));
  }
  searchExperiments(input?: SearchExperimentsInput): Promise<Page<Experiment>> {
    return this.#call(undefined, (c) => experiments.searchExperiments(c, input));
  }
  renameExperiment(experimentId: string, name: string): Promise<Experiment> {
    return this.#call(undefined, (c) => experiments.renameExperiment(c, experimentId, name));
  }
  deleteExperiment(experimentId: string): Promise<Experiment> {
    return this.#call(undefined, (c) => experiments.deleteExperiment(c, experimentId));
  }
  restoreExperiment(experimentId: string): Promise<Experiment> {
    return this.#call(undefined, (c) => experiments.restoreExperiment(c, experimentId));
  }
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return this.#call(undefined, (c) => experiments.setExperimentTag(c, experimentId, key, value));
  }

  createRun(input: CreateRunInput): Promise<Run> {
    return this.#call(undefined, (c) => runs.createRun(c, input));
  }
  getRun(runId: string): Promise<Run> {
    return this.#call(undefined, (c) => runs.getRun(c, runId));
  }
  updateRun(runId: string, input: { name?: string; status?: "RUNNING" }): Promise<Run> {
    return this.#call(undefined, (c) => runs.updateRun(c, runId, input));
  }
  endRun(runId: string, status: TerminalRunStatus, options?: EndRunOptions): Promise<Run> {
    return this.#call(undefined, (c) => runs.endRun(c, runId, status, options));
  }
  deleteRun(runId: string): Promise<Run> {
    return this.#call(undefined, (c) => runs.deleteRun(c, runId));
  }
  restoreRun(runId: string): Promise<Run> {
    return this.#call(undefined, (c) => runs.restoreRun(c, runId));
  }

  logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    return this.#call(undefined, (c) => logging.logBatch(c, runId, batch));
  }
  logMetric(
    runId: string,
    key: string,
    value: number,
    options: { step?: number; timestamp?: number } = {},
  ): Promise<void> {
    return this.#call(undefined, (c) => logging.logBatch(c, runId, { metrics: [{ ...options, key, value }] }));
  }
  logParam(runId: string, key: string, value: string): Promise<void> {
    return this.#call(undefined, (c) => logging.logBatch(c, runId, { params: [{ key, value }] }));
  }
  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.#call(undefined, (c) => logging.logBatch(c, runId, { tags: [{ key, value }] }));
  }
  deleteTag(runId: string, key: string): Promise<void> {
    return this.#call(undefined, (c) => logging.deleteTag(c, runId, key));
  }
  logInputs(runId: string, refs: Ref[]): Promise<void> {
    return this.#call("lineage", (c) => logging.logInputs(c, runId, refs));
  }
  getMetricHistory(runId: string, key: string, options?: MetricHistoryOptions): Promise<MetricPoint[]> {
    return this.#call(undefined, (c) => logging.getMetricHistory(c, runId, key, options));
  }
  searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    return this.#call("search", (c) => search.searchRuns(c, input));
  }

  logArtifact(runId: string, path: string, data: ArtifactData): Promise<ArtifactRef> {
    return this.#call("artifacts", (c) => artifacts.logArtifact(c, runId, path, data));
  }
  listArtifacts(runId: string, prefix?: string): Promise<RunArtifact[]> {
    return this.#call("artifacts", (c) => artifacts.listArtifacts(c, runId, prefix));
  }
  readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return this.#call("artifacts", (c) => artifacts.readArtifact(c, runId, path));
  }

  createRegisteredModel(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel> {
    return this.#call("modelRegistry", (c) => registry.createRegisteredModel(c, name, options));
  }
  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.#call("modelRegistry", (c) => registry.getRegisteredModel(c, name));
  }
  searchRegisteredModels(input?: { nameLike?: string }): Promise<RegisteredModel[]> {
    return this.#call("modelRegistry", (c) => registry.searchRegisteredModels(c, input));
  }
  createModelVersion(model: string, input: CreateModelVersionInput): Promise<ModelVersion> {
    return this.#call("modelRegistry", (c) => registry.createModelVersion(c, model, input));
  }
  getModelVersion(model: string, version: string): Promise<ModelVersion> {
    return this.#call("modelRegistry", (c) => registry.getModelVersion(c, model, version));
  }
  deleteModelVersion(model: string, version: string): Promise<ModelVersion> {
    return this.#call("modelRegistry", (c) => registry.deleteModelVersion(c, model, version));
  }
  searchModelVersions(input?: SearchModelVersionsInput): Promise<ModelVersion[]> {
    return this.#call("modelRegistry", (c) => registry.searchModelVersions(c, input));
  }
  setAlias(model: string, alias: string, version: string, options?: AliasOptions): Promise<AliasMove> {
    return this.#call("modelRegistry", (c) => registry.setAlias(c, model, alias, version, options));
  }
  deleteAlias(model: string, alias: string, options?: AliasOptions): Promise<AliasMove> {
    return this.#call("modelRegistry", (c) => registry.deleteAlias(c, model, alias, options));
  }
  getModelVersionByAlias(model: string, alias: string): Promise<ModelVersion> {
    return this.#call("modelRegistry", (c) => registry.getModelVersionByAlias(c, model, alias));
  }
  getAliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    return this.#call("modelRegistry", (c) => registry.getAliasHistory(c, model, alias));
  }

  putLineage(subgraph: LineageSubgraphInput): Promise<void> {
    return this.#call("lineage", (c) => lineage.putLineage(c, subgraph));
  }
  lineage(start: Ref | Ref[], options: LineageQueryOptions): Promise<LineageGraph> {
    return this.#call("lineage", (c) => lineage.lineage(c, start, options));
  }

  toOpenLineage(runId: string, options?: OpenLineageOptions): Promise<OpenLineageRunEvent[]> {
    return this.#call("openLineage", (c) => openLineage.toOpenLineage(c, runId, options));
  }
}
