import { performance } from "node:perf_hooks";
import {
  type ArtifactStore,
  type BrickRequirement,
  type Clock,
  createUuidV7Generator,
  type DeploymentRef,
  defineCapabilities,
  type HealthStatus,
  type IdGenerator,
  isMlstackError,
  MlstackError,
  parseInput,
  requireCapability,
  SPECIFICATION_VERSION,
  SystemClock,
  TypedEmitter,
} from "@mlstack/core";
import { z } from "zod";
import { createLinearModelRuntime } from "../runtimes/linear-model-runtime.js";
import { createOnnxRuntime } from "../runtimes/onnx-runtime.js";
import {
  type DeploymentChanges,
  type DeploymentSpec,
  type DeploymentSpecInput,
  deploymentChangesSchema,
  deploymentSpecSchema,
  type InferenceRequest,
  type ModelSource,
  type PredictOptions,
  predictOptionsSchema,
  type RollbackOptions,
  resolveTraffic,
  rollbackOptionsSchema,
} from "../schemas.js";
import type {
  DeploymentEvent,
  DeploymentStats,
  DeploymentStatus,
  InferenceResponse,
  ModelMetadata,
  ModelOutputs,
  ModelPayload,
  ModelRuntime,
  ModelVersionResolver,
  RequestOutcome,
  ServerMetadata,
  ServingCapabilities,
  ServingEngine,
  ServingEvents,
  Tensor,
} from "../spec.js";
import { MemoryServingStorage } from "../storage/memory.js";
import type { ServingStorage, StoredDeployment, StoredRevision } from "../storage/spec.js";
import { Batcher } from "./batcher.js";
import { parseInferenceRequest } from "./parse-inference-request.js";
import { compareOutputs } from "./shadow-compare.js";
import {
  decodeInputs,
  mergeInputs,
  normalizeOutputs,
  type PlainTensor,
  requestedOutputs,
  splitOutputs,
} from "./tensor-codec.js";
import { routeByKey, type WeightedVersion } from "./traffic-router.js";

/** Options of {@link createServingEngine}. */
export interface ServingEngineOptions {
  /** Where deployment records live; defaults to memory. */
  storage?: ServingStorage;
  /** Where model bytes are read from (artifact refs, and what model-version refs resolve to). */
  artifacts?: ArtifactStore;
  /** Resolves model-version refs to artifacts: the MetadataStore's registry in a Stack. */
  resolveModelVersion?: ModelVersionResolver;
  /** Model runtimes by name; defaults to `linear` and `onnx`. Add `createFunctionRuntime(...)` for functions. */
  runtimes?: readonly ModelRuntime[];
  clock?: Clock;
  /** Generates request ids when a request has none. */
  idGenerator?: IdGenerator;
  /** Monotonic milliseconds for durations; defaults to `performance.now`. */
  timer?: () => number;
  /** Switches capabilities off (e.g. `{ shadow: false }`). */
  capabilities?: Partial<ServingCapabilities>;
  /** Revisions kept per deployment for rollback. */
  revisionHistoryLimit?: number;
  /** What server metadata reports. */
  server?: ServerMetadata;
}

type Output = Map<string, PlainTensor>;

interface VersionHandle {
  version: string;
  source: ModelSource;
  weight: number;
  shadow: boolean;
  model: { unload(): Promise<void> };
  batcher: Batcher<Record<string, Tensor>, Output>;
  stats: {
    requests: number;
    failures: number;
    inferences: number;
    executions: number;
    queueMs: number;
    computeMs: number;
  };
}

interface LoadedRevision {
  revision: number;
  spec: DeploymentSpec;
  ref: DeploymentRef & { revision: number };
  platform: string;
  versions: Map<string, VersionHandle>;
  routes: WeightedVersion<VersionHandle>[];
  shadow: (VersionHandle & { tolerance: number }) | undefined;
  shadowStats: { compared: number; mismatches: number; dropped: number };
}

interface LiveDeployment {
  name: string;
  state: "loading" | "ready" | "failed";
  current: LoadedRevision | undefined;
  record: StoredDeployment | undefined;
  pending: number | undefined;
  error: string | undefined;
  createdAt: number;
  updatedAt: number;
}

const DEFAULT_CAPABILITIES: ServingCapabilities = {
  batching: true,
  trafficSplit: true,
  shadow: true,
  rollback: true,
  durable: false,
};

const nameSchema = z.string().min(1);
const NO_OPTIONS = Object.freeze({}) as z.output<typeof predictOptionsSchema>;

function loadFailure(error: unknown): MlstackError {
  if (isMlstackError(error)) return error;
  return new MlstackError("FAILED_PRECONDITION", `could not load the model: ${(error as Error)?.message ?? error}`, {
    cause: error,
  });
}

function outcomeOf(error: unknown): RequestOutcome {
  if (!isMlstackError(error)) return "error";
  switch (error.code) {
    case "INVALID_ARGUMENT":
      return "invalid";
    case "RESOURCE_EXHAUSTED":
    case "UNAVAILABLE":
      return "rejected";
    case "TIMEOUT":
      return "timeout";
    case "CANCELLED":
      return "cancelled";
    default:
      return "error";
  }
}

/** The reference ServingEngine: every serving rule, over a {@link ServingStorage}. */
class ReferenceServingEngine extends TypedEmitter<ServingEvents> implements ServingEngine {
  readonly kind = "serving" as const;
  readonly name: string;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: ServingCapabilities;
  readonly coverage = Object.freeze({ deployment: "full", serving: "full" } as const);
  /** What its model-version resolver reads from. */
  readonly requires: readonly BrickRequirement[];

  readonly #storage: ServingStorage;
  readonly #artifacts: ArtifactStore | undefined;
  readonly #resolve: ModelVersionResolver | undefined;
  readonly #runtimes: Map<string, ModelRuntime>;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #timer: () => number;
  readonly #historyLimit: number;
  readonly #server: ServerMetadata;
  readonly #live = new Map<string, LiveDeployment>();
  readonly #locks = new Map<string, Promise<unknown>>();
  #started: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: ServingEngineOptions) {
    super();
    this.#storage = options.storage ?? new MemoryServingStorage();
    this.name = this.#storage.name;
    this.capabilities = defineCapabilities(
      { ...DEFAULT_CAPABILITIES, durable: this.#storage.durable },
      options.capabilities ?? {},
    ) as ServingCapabilities;
    this.#artifacts = options.artifacts;
    this.#resolve = options.resolveModelVersion;
    this.requires = Object.freeze([...(options.resolveModelVersion?.requires ?? [])]);
    this.#runtimes = new Map(
      (options.runtimes ?? [createLinearModelRuntime(), createOnnxRuntime()]).map((r) => [r.name, r]),
    );
    this.#clock = options.clock ?? new SystemClock();
    this.#ids = options.idGenerator ?? createUuidV7Generator({ clock: this.#clock });
    this.#timer = options.timer ?? (() => performance.now());
    this.#historyLimit = options.revisionHistoryLimit ?? 10;
    this.#server = options.server ?? { name: "mlstack", version: "0.1.0", extensions: [] };
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  start(): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stoppedError());
    this.#started ??= this.#restore();
    return this.#started;
  }

  async #restore(): Promise<void> {
    for (const record of await this.#storage.list()) {
      const current = record.revisions.find((r) => r.revision === record.current);
      if (!current) continue;
      const live: LiveDeployment = {
        name: record.name,
        state: "loading",
        current: undefined,
        record,
        pending: undefined,
        error: undefined,
        createdAt: record.createdAt,
        updatedAt: current.createdAt,
      };
      this.#live.set(record.name, live);
      try {
        live.current = await this.#loadRevision(record.name, current);
        live.state = "ready";
      } catch (error) {
        live.state = "failed";
        live.error = (error as Error).message;
        this.#emitDeployment(
          "load-failed",
          { kind: "deployment", name: record.name, revision: current.revision },
          live.error,
        );
      }
    }
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#started?.catch(() => {});
      const all = [...this.#live.values()];
      this.#live.clear();
      await Promise.all(all.map((d) => (d.current ? this.#retire(d.current) : undefined)));
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async health(): Promise<HealthStatus> {
    if (this.#stopped) return { status: "down", detail: "stopped" };
    const failed = [...this.#live.values()].filter((d) => d.state === "failed").map((d) => d.name);
    return failed.length > 0
      ? { status: "degraded", detail: `failed to load: ${failed.join(", ")}` }
      : { status: "ok" };
  }

  #stoppedError(): MlstackError {
    return new MlstackError("UNAVAILABLE", "the serving engine is stopped");
  }

  async #ready(): Promise<void> {
    if (this.#stopped) throw this.#stoppedError();
    await this.start();
  }

  // Serializes lifecycle calls per deployment name; predict never waits on this.
  async #exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => {});
    this.#locks.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    }
  }

  // ---- deployments -----------------------------------------------------------------------------

  #check(spec: DeploymentSpec): void {
    const { traffic, shadow } = resolveTraffic(spec);
    if (traffic.length > 1) requireCapability(this, "trafficSplit");
    if (shadow) requireCapability(this, "shadow");
    if (spec.batching) requireCapability(this, "batching");
    if (!this.#runtimes.has(spec.runtime)) {
      throw new MlstackError("INVALID_ARGUMENT", `unknown runtime ${spec.runtime}`, {
        details: { known: [...this.#runtimes.keys()] },
      });
    }
  }

  async deploy(input: DeploymentSpecInput, options: { signal?: AbortSignal } = {}): Promise<DeploymentStatus> {
    const spec = parseInput(deploymentSpecSchema, input, "deployment");
    this.#check(spec);
    await this.#ready();
    return this.#exclusive(spec.name, async () => {
      if (this.#live.has(spec.name) || (await this.#storage.get(spec.name))) {
        throw new MlstackError("ALREADY_EXISTS", `deployment ${spec.name} exists; use update`, {
          details: { name: spec.name },
        });
      }
      const now = this.#clock.now();
      const revision: StoredRevision = { revision: 1, spec, createdAt: now };
      const live: LiveDeployment = {
        name: spec.name,
        state: "loading",
        current: undefined,
        record: undefined,
        pending: 1,
        error: undefined,
        createdAt: now,
        updatedAt: now,
      };
      // Visible (and not ready) while it loads, so readiness never says ready with a model missing.
      this.#live.set(spec.name, live);
      let loaded: LoadedRevision;
      try {
        loaded = await this.#loadRevision(spec.name, revision, options.signal);
      } catch (error) {
        this.#live.delete(spec.name);
        this.#emitDeployment(
          "load-failed",
          { kind: "deployment", name: spec.name, revision: 1 },
          (error as Error).message,
        );
        throw error;
      }
      const record: StoredDeployment = { name: spec.name, current: 1, revisions: [revision], createdAt: now };
      try {
        await this.#storage.put(record);
      } catch (error) {
        this.#live.delete(spec.name);
        await this.#retire(loaded);
        throw error;
      }
      if (this.#stopped) {
        // stop() ran while this loaded: do not leave a model loaded behind it.
        await this.#retire(loaded);
        throw this.#stoppedError();
      }
      Object.assign(live, { state: "ready", current: loaded, record, pending: undefined });
      this.#emitDeployment("deployed", loaded.ref);
      return this.#status(live);
    });
  }

  async update(
    name: string,
    changes: DeploymentChanges,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeploymentStatus> {
    parseInput(nameSchema, name, "deployment name");
    parseInput(deploymentChangesSchema.strict(), changes, "deployment changes");
    await this.#ready();
    return this.#exclusive(name, async () => {
      const live = this.#get(name);
      const base = live.record?.revisions.find((r) => r.revision === live.record?.current)?.spec as DeploymentSpec;
      const merged: Record<string, unknown> = { ...base };
      for (const [key, value] of Object.entries(changes)) if (value !== undefined) merged[key] = value;
      if (changes.traffic !== undefined && changes.model === undefined) delete merged.model;
      if (changes.model !== undefined && changes.traffic === undefined) delete merged.traffic;
      const spec = parseInput(deploymentSpecSchema, merged, "deployment");
      this.#check(spec);
      return this.#replace(live, spec, "updated", options.signal);
    });
  }

  async rollback(name: string, options: RollbackOptions & { signal?: AbortSignal } = {}): Promise<DeploymentStatus> {
    parseInput(nameSchema, name, "deployment name");
    const { revision } = parseInput(rollbackOptionsSchema, { revision: options.revision }, "rollback options");
    requireCapability(this, "rollback");
    await this.#ready();
    return this.#exclusive(name, async () => {
      const live = this.#get(name);
      const record = live.record as StoredDeployment;
      const earlier = record.revisions.filter((r) => r.revision !== record.current);
      const target =
        revision === undefined ? earlier[earlier.length - 1] : earlier.find((r) => r.revision === revision);
      if (!target) {
        if (revision === undefined) {
          throw new MlstackError("FAILED_PRECONDITION", `deployment ${name} has no earlier revision to roll back to`);
        }
        throw new MlstackError("NOT_FOUND", `deployment ${name} has no revision ${revision} to roll back to`, {
          details: { kept: record.revisions.map((r) => r.revision) },
        });
      }
      this.#check(target.spec);
      return this.#replace(live, target.spec, "rolled-back", options.signal);
    });
  }

  // Loads the new revision beside the serving one, stores it, then swaps; the old one drains and unloads.
  async #replace(
    live: LiveDeployment,
    spec: DeploymentSpec,
    type: "updated" | "rolled-back",
    signal: AbortSignal | undefined,
  ): Promise<DeploymentStatus> {
    const record = live.record as StoredDeployment;
    const next = Math.max(...record.revisions.map((r) => r.revision), record.current) + 1;
    const revision: StoredRevision = { revision: next, spec, createdAt: this.#clock.now() };
    live.pending = next;
    let loaded: LoadedRevision;
    try {
      loaded = await this.#loadRevision(live.name, revision, signal);
    } catch (error) {
      live.pending = undefined;
      this.#emitDeployment(
        "load-failed",
        { kind: "deployment", name: live.name, revision: next },
        (error as Error).message,
      );
      throw error;
    }
    const updated: StoredDeployment = {
      ...record,
      current: next,
      revisions: [...record.revisions, revision].slice(-this.#historyLimit),
    };
    try {
      await this.#storage.put(updated);
    } catch (error) {
      live.pending = undefined;
      await this.#retire(loaded);
      throw error;
    }
    if (this.#stopped) {
      await this.#retire(loaded);
      throw this.#stoppedError();
    }
    const old = live.current;
    Object.assign(live, {
      state: "ready",
      current: loaded,
      record: updated,
      pending: undefined,
      error: undefined,
      updatedAt: revision.createdAt,
    });
    this.#emitDeployment(type, loaded.ref);
    if (old) await this.#retire(old);
    return this.#status(live);
  }

  async undeploy(name: string): Promise<void> {
    parseInput(nameSchema, name, "deployment name");
    await this.#ready();
    await this.#exclusive(name, async () => {
      const live = this.#get(name);
      await this.#storage.delete(name);
      this.#live.delete(name);
      this.#emitDeployment("undeployed", { kind: "deployment", name });
      if (live.current) await this.#retire(live.current);
    });
  }

  async list(): Promise<DeploymentStatus[]> {
    await this.#ready();
    return [...this.#live.values()].sort((a, b) => a.name.localeCompare(b.name)).map((d) => this.#status(d));
  }

  async status(name: string): Promise<DeploymentStatus> {
    parseInput(nameSchema, name, "deployment name");
    await this.#ready();
    return this.#status(this.#get(name));
  }

  async spec(name: string): Promise<DeploymentSpec> {
    parseInput(nameSchema, name, "deployment name");
    await this.#ready();
    const live = this.#get(name);
    const current = live.record?.revisions.find((r) => r.revision === live.record?.current);
    if (!current) throw new MlstackError("UNAVAILABLE", `deployment ${name} is still loading`);
    return structuredClone(current.spec);
  }

  async stats(name: string): Promise<DeploymentStats> {
    parseInput(nameSchema, name, "deployment name");
    await this.#ready();
    const rev = this.#servingRevision(this.#get(name));
    const versions: DeploymentStats["versions"] = {};
    for (const [label, handle] of rev.versions) versions[label] = { ...handle.stats };
    const s = rev.shadowStats;
    return {
      ref: rev.ref,
      versions,
      ...(rev.shadow && {
        shadow: {
          version: rev.shadow.version,
          ...s,
          mismatchRate: s.compared === 0 ? 0 : s.mismatches / s.compared,
        },
      }),
    };
  }

  #get(name: string): LiveDeployment {
    const live = this.#live.get(name);
    if (!live) throw new MlstackError("NOT_FOUND", `no deployment named ${name}`, { details: { name } });
    return live;
  }

  #servingRevision(live: LiveDeployment): LoadedRevision {
    if (live.state === "ready" && live.current) return live.current;
    throw new MlstackError(
      "UNAVAILABLE",
      live.state === "failed"
        ? `deployment ${live.name} failed to load: ${live.error}`
        : `deployment ${live.name} is loading`,
      { details: { name: live.name, state: live.state } },
    );
  }

  #status(live: LiveDeployment): DeploymentStatus {
    const record = live.record;
    const revision = live.current?.revision ?? record?.current ?? live.pending ?? 1;
    const spec = live.current?.spec ?? record?.revisions.find((r) => r.revision === revision)?.spec;
    const { traffic, shadow } = spec ? resolveTraffic(spec) : { traffic: [], shadow: undefined };
    const status: DeploymentStatus = {
      ref: { kind: "deployment", name: live.name, revision },
      name: live.name,
      revision,
      state: live.state,
      ready: live.state === "ready",
      runtime: spec?.runtime ?? "",
      traffic: traffic.map((t) => ({ version: t.version, model: t.model, weight: t.weight, shadow: false })),
      revisions: record?.revisions.map((r) => r.revision) ?? [],
      createdAt: live.createdAt,
      updatedAt: live.updatedAt,
    };
    if (shadow) status.shadow = { version: shadow.version, model: shadow.model, weight: 0, shadow: true };
    if (live.pending !== undefined && live.pending !== revision) status.pendingRevision = live.pending;
    if (live.error !== undefined) status.error = live.error;
    return structuredClone(status);
  }

  #emitDeployment(type: DeploymentEvent["type"], ref: DeploymentRef, error?: string): void {
    this.emit("deployment", { type, ref, at: this.#clock.now(), ...(error !== undefined && { error }) });
  }

  // ---- loading ---------------------------------------------------------------------------------

  async #payload(source: ModelSource): Promise<ModelPayload> {
    if (source.kind === "function") return { source };
    let artifact = source.kind === "artifact" ? source : undefined;
    if (source.kind === "model-version") {
      if (!this.#resolve) {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          "model-version refs need a resolveModelVersion option (a registry)",
        );
      }
      artifact = await this.#resolve(source);
    }
    if (!this.#artifacts) {
      throw new MlstackError("FAILED_PRECONDITION", "stored models need an artifacts option (an ArtifactStore)");
    }
    const ref = artifact as NonNullable<typeof artifact>;
    return { source, artifact: ref, bytes: await this.#artifacts.get(ref) };
  }

  async #loadRevision(name: string, stored: StoredRevision, signal?: AbortSignal): Promise<LoadedRevision> {
    const spec = stored.spec;
    const runtime = this.#runtimes.get(spec.runtime);
    if (!runtime) throw new MlstackError("INVALID_ARGUMENT", `unknown runtime ${spec.runtime}`);
    const { traffic, shadow } = resolveTraffic(spec);
    const entries = [
      ...traffic.map((t) => ({ ...t, shadow: false })),
      ...(shadow ? [{ ...shadow, weight: 0, shadow: true }] : []),
    ];
    const handles: VersionHandle[] = [];
    const task = `load:${name}@${stored.revision}`;
    try {
      for (const entry of entries) {
        if (signal?.aborted) throw new MlstackError("CANCELLED", "loading was aborted", { cause: signal.reason });
        const payload = await this.#payload(entry.model);
        const model = await runtime.load(payload, spec.signature, signal ? { signal } : {});
        handles.push(this.#handle(name, spec, entry, model));
        this.emit("progress", { task, done: handles.length, total: entries.length, unit: "models" });
      }
    } catch (error) {
      await Promise.all(handles.map((h) => h.model.unload().catch(() => {})));
      throw loadFailure(error);
    }
    const versions = new Map(handles.map((h) => [h.version, h]));
    const primary = handles.filter((h) => !h.shadow);
    const shadowHandle = handles.find((h) => h.shadow);
    return {
      revision: stored.revision,
      spec,
      ref: { kind: "deployment", name, revision: stored.revision },
      platform: runtime.platform,
      versions,
      routes: primary.map((h) => ({ weight: h.weight, target: h })),
      shadow: shadowHandle && shadow ? Object.assign(shadowHandle, { tolerance: shadow.tolerance }) : undefined,
      shadowStats: { compared: 0, mismatches: 0, dropped: 0 },
    };
  }

  #handle(
    name: string,
    spec: DeploymentSpec,
    entry: { version: string; model: ModelSource; weight: number; shadow: boolean },
    model: Awaited<ReturnType<ModelRuntime["load"]>>,
  ): VersionHandle {
    const signature = spec.signature;
    const stats = { requests: 0, failures: 0, inferences: 0, executions: 0, queueMs: 0, computeMs: 0 };
    const label = `model ${name} version ${entry.version}`;
    const failed = (error: unknown): never => {
      if (isMlstackError(error)) throw error;
      throw new MlstackError("INTERNAL", `${label} failed: ${(error as Error)?.message ?? error}`, { cause: error });
    };
    // Synchronous models (functions, the linear runtime) are answered without a promise hop.
    const execute = (inputs: Record<string, Tensor>[], rows: number[]): Output[] | Promise<Output[]> => {
      const total = rows.length === 1 ? (rows[0] as number) : rows.reduce((a, b) => a + b, 0);
      let outputs: ReturnType<typeof model.predict>;
      try {
        outputs = model.predict(mergeInputs(inputs, signature));
      } catch (error) {
        return failed(error);
      }
      if (outputs instanceof Promise || typeof (outputs as { then?: unknown } | null)?.then === "function") {
        return Promise.resolve(outputs).then((o) => splitOutputs(normalizeOutputs(o, signature, total), rows), failed);
      }
      return splitOutputs(normalizeOutputs(outputs as ModelOutputs, signature, total), rows);
    };
    const batching = spec.batching ?? { maxBatchSize: 1, maxLatencyMs: 0 };
    const batcher = new Batcher<Record<string, Tensor>, Output>(
      execute,
      {
        ...batching,
        maxQueueSize: spec.maxQueueSize,
        concurrency: spec.concurrency,
        clock: this.#clock,
        timer: this.#timer,
      },
      (report) => {
        stats.executions++;
        stats.computeMs += report.computeMs;
        if (report.ok) stats.inferences += report.rows;
        if (this.listenerCount("execution") > 0) {
          const { rows, computeMs, ok } = report;
          this.emit("execution", { deployment: name, version: entry.version, rows, computeMs, ok });
        }
      },
    );
    return {
      version: entry.version,
      source: entry.model,
      weight: entry.weight,
      shadow: entry.shadow,
      model,
      batcher,
      stats,
    };
  }

  async #retire(revision: LoadedRevision): Promise<void> {
    await Promise.all(
      [...revision.versions.values()].map(async (h) => {
        await h.batcher.drain();
        await h.model.unload().catch(() => {});
      }),
    );
  }

  // ---- inference -------------------------------------------------------------------------------

  async predict(model: string, request: InferenceRequest, options?: PredictOptions): Promise<InferenceResponse> {
    const live = this.#live.get(model);
    if (!live) {
      parseInput(nameSchema, model, "model name");
      throw new MlstackError("NOT_FOUND", `no deployment named ${model}`, { details: { name: model } });
    }
    const rev = this.#servingRevision(live);
    const req = parseInferenceRequest(request);
    const opts = options === undefined ? NO_OPTIONS : parseInput(predictOptionsSchema, options, "predict options");
    const id = req.id ?? this.#ids();
    let handle: VersionHandle | undefined;
    if (opts.version !== undefined) {
      handle = rev.versions.get(opts.version);
      if (!handle) {
        throw new MlstackError("NOT_FOUND", `deployment ${model} has no version ${opts.version}`, {
          details: { name: model, version: opts.version, versions: [...rev.versions.keys()] },
        });
      }
    } else {
      const key = opts.routingKey ?? req.parameters?.routing_key;
      handle = routeByKey(rev.routes, key === undefined ? id : String(key));
    }
    const signature = rev.spec.signature;
    let decoded: ReturnType<typeof decodeInputs>;
    let names: string[];
    try {
      decoded = decodeInputs(req.inputs, signature);
      names = requestedOutputs(req.outputs, signature);
    } catch (error) {
      this.#observe(model, handle, "invalid", 0, 0, 0);
      throw error;
    }
    const timeout = opts.timeoutMs ?? req.parameters?.timeout_ms;
    if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0))) {
      this.#observe(model, handle, "invalid", 0, 0, 0);
      throw new MlstackError("INVALID_ARGUMENT", "parameters.timeout_ms must be a positive number");
    }
    const primary = handle.batcher.submit(decoded.tensors, decoded.rows, timeout, opts.signal);
    if (rev.shadow && opts.version === undefined) this.#shadow(rev, handle, id, decoded, primary);
    let result: Awaited<typeof primary>;
    try {
      result = await primary;
    } catch (error) {
      this.#observe(model, handle, outcomeOf(error), decoded.rows, 0, 0);
      throw error;
    }
    this.#observe(model, handle, "success", decoded.rows, result.queueMs, result.computeMs);
    const outputs = names.map((name) => {
      const t = result.output.get(name) as PlainTensor;
      const spec = signature.outputs.find((o) => o.name === name) as DeploymentSpec["signature"]["outputs"][number];
      return { name, shape: t.shape, datatype: spec.datatype, data: t.data };
    });
    return { model_name: model, model_version: handle.version, id, outputs };
  }

  #observe(
    deployment: string,
    handle: VersionHandle,
    outcome: RequestOutcome,
    rows: number,
    queueMs: number,
    computeMs: number,
  ): void {
    handle.stats.requests++;
    if (outcome !== "success") handle.stats.failures++;
    handle.stats.queueMs += queueMs;
    if (this.listenerCount("request") > 0) {
      this.emit("request", {
        deployment,
        version: handle.version,
        outcome,
        rows,
        queueMs,
        computeMs,
        shadow: handle.shadow,
      });
    }
  }

  // Copies a routed request to the shadow; the caller never waits for it, and a full shadow queue drops the copy.
  #shadow(
    rev: LoadedRevision,
    primary: VersionHandle,
    requestId: string,
    decoded: ReturnType<typeof decodeInputs>,
    primaryResult: Promise<{ output: Output }>,
  ): void {
    const shadow = rev.shadow as NonNullable<LoadedRevision["shadow"]>;
    if (shadow.batcher.full) {
      rev.shadowStats.dropped++;
      return;
    }
    const copy = shadow.batcher.submit(decoded.tensors, decoded.rows);
    Promise.allSettled([primaryResult, copy]).then(([p, s]) => {
      if (p.status === "rejected") {
        this.#observe(
          rev.ref.name,
          shadow,
          s.status === "fulfilled" ? "success" : outcomeOf(s.reason),
          decoded.rows,
          0,
          0,
        );
        return;
      }
      rev.shadowStats.compared++;
      const base = { deployment: rev.ref, requestId, primaryVersion: primary.version, shadowVersion: shadow.version };
      if (s.status === "rejected") {
        this.#observe(rev.ref.name, shadow, outcomeOf(s.reason), decoded.rows, 0, 0);
        rev.shadowStats.mismatches++;
        const detail = (s.reason as Error)?.message ?? String(s.reason);
        this.emit("shadow-mismatch", { ...base, reason: "shadow-error", detail, at: this.#clock.now() });
        return;
      }
      this.#observe(rev.ref.name, shadow, "success", decoded.rows, s.value.queueMs, s.value.computeMs);
      const diff = compareOutputs(p.value.output, s.value.output, shadow.tolerance);
      if (diff) {
        rev.shadowStats.mismatches++;
        this.emit("shadow-mismatch", { ...base, reason: "output", ...diff, at: this.#clock.now() });
      }
    });
  }

  async modelMetadata(model: string, version?: string): Promise<ModelMetadata> {
    const rev = this.#servingRevision(this.#versioned(model, version));
    const tensors = (side: "inputs" | "outputs") =>
      rev.spec.signature[side].map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] }));
    return {
      name: model,
      versions: version === undefined ? [...rev.versions.keys()] : [version],
      platform: rev.platform,
      inputs: tensors("inputs"),
      outputs: tensors("outputs"),
    };
  }

  async modelReady(model: string, version?: string): Promise<boolean> {
    return this.#versioned(model, version).state === "ready";
  }

  #versioned(model: string, version: string | undefined): LiveDeployment {
    parseInput(nameSchema, model, "model name");
    if (version !== undefined) parseInput(nameSchema, version, "model version");
    const live = this.#get(model);
    if (version !== undefined && !live.current?.versions.has(version)) {
      throw new MlstackError("NOT_FOUND", `deployment ${model} has no version ${version}`, {
        details: { name: model, version },
      });
    }
    return live;
  }

  async serverReady(): Promise<boolean> {
    if (this.#stopped || this.#live.size === 0) return false;
    for (const d of this.#live.values()) if (d.state !== "ready") return false;
    return true;
  }

  async serverLive(): Promise<boolean> {
    return !this.#stopped;
  }

  async serverMetadata(): Promise<ServerMetadata> {
    return structuredClone(this.#server);
  }
}

/** Creates the reference ServingEngine over `options.storage` (memory by default). */
export function createServingEngine(options: ServingEngineOptions = {}): ServingEngine {
  return new ReferenceServingEngine(options);
}
