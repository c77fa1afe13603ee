import type { Clock, Coverage, HealthStatus, ProgressEvent } from "@mlstack/core";
import {
  defineCapabilities,
  MlstackError,
  parseInput,
  requireCapability,
  SPECIFICATION_VERSION,
  SystemClock,
  TypedEmitter,
  toMlstackError,
} from "@mlstack/core";
import {
  definitionsSchema,
  historicalRequestSchema,
  materializeIncrementalRequestSchema,
  materializeRequestSchema,
  onlineRequestSchema,
  skewSampleSchema,
  writeSchema,
} from "../schemas.js";
import type {
  CallOptions,
  Definitions,
  FeatureRecord,
  FeatureSelection,
  FeatureStore,
  FeatureStoreCapabilities,
  FeatureStoreEvents,
  HistoricalRequest,
  IngestResult,
  MaterializeIncrementalRequest,
  MaterializeRequest,
  MaterializeResult,
  OnlineFeatures,
  OnlineRequest,
  PushResult,
  PushTarget,
  RegistryPlan,
  RegistrySnapshot,
  ResolvedFeatureView,
  Row,
  SkewReport,
  SkewSample,
  TrainingSet,
  TrainingSetStream,
  ViewMaterialization,
} from "../spec.js";
import type { FeatureStorage } from "../storage/spec.js";
import { checkSkew } from "./check-skew.js";
import type { EngineContext } from "./context.js";
import { throwIfAborted } from "./context.js";
import type { AppliedTransform, Selection } from "./feature-selection.js";
import { resolveSelection } from "./feature-selection.js";
import { retrieveHistorical } from "./historical-retrieval.js";
import { materializeView } from "./materialize-views.js";
import { readOnlineFeatures } from "./online-read.js";
import { latestPerKey, prepareRecords, viewNamed } from "./prepare-records.js";
import type { RegistryIndex } from "./registry.js";
import { indexRegistry, planRegistry } from "./registry.js";

/** The capabilities of the reference engine; a backend may switch some off. */
export const DEFAULT_FEATURE_STORE_CAPABILITIES: FeatureStoreCapabilities = Object.freeze({
  online: true,
  materialize: true,
  onDemand: true,
  skewCheck: true,
});

/** Options of {@link createFeatureStore}. */
export interface FeatureStoreOptions {
  /** Where rows, online values and the registry live. */
  readonly storage: FeatureStorage;
  /** The implementation's name, e.g. `memory` or `sqlite`; default `custom`. */
  readonly name?: string;
  /** Source of now for created times and online ttl; default the system clock. */
  readonly clock?: Clock;
  /** Capabilities to switch off (a switched-off method throws `NOT_SUPPORTED`). */
  readonly capabilities?: Partial<Record<keyof FeatureStoreCapabilities, boolean>>;
}

const SELECTION_CACHE_SIZE = 256;

const COVERAGE: Coverage = Object.freeze({ "feature-store": "full", transformation: "partial", lineage: "partial" });

/**
 * The reference FeatureStore: every rule (registry, point-in-time join, stale writes, ttl, statuses)
 * lives here, over any {@link FeatureStorage}.
 */
export class FeatureStoreEngine implements FeatureStore {
  readonly kind = "features" as const;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly capabilities: FeatureStoreCapabilities;
  readonly coverage = COVERAGE;
  readonly events = new TypedEmitter<FeatureStoreEvents>();
  readonly #storage: FeatureStorage;
  readonly #clock: Clock;
  readonly #context: EngineContext;
  #transforms = new Map<string, AppliedTransform>();
  #cache: { version: number; index: RegistryIndex } | undefined;
  // Resolved selections of the cached registry version, so hot online reads skip resolving references.
  #selections = new Map<string, Selection>();
  #stopped = false;
  #inFlight = new Set<Promise<unknown>>();

  constructor(options: FeatureStoreOptions) {
    this.#storage = options.storage;
    this.#clock = options.clock ?? new SystemClock();
    this.name = options.name ?? "custom";
    this.capabilities = defineCapabilities(
      DEFAULT_FEATURE_STORE_CAPABILITIES as Record<keyof FeatureStoreCapabilities, boolean>,
      options.capabilities,
    ) as FeatureStoreCapabilities;
    this.#context = {
      storage: this.#storage,
      clock: this.#clock,
      select: (selection) => this.#select(selection),
      progress: (event: ProgressEvent) => this.events.emit("progress", event),
    };
  }

  apply(definitions: Definitions): Promise<RegistryPlan> {
    return this.#run(async () => {
      const parsed = parseInput(definitionsSchema, definitions, "definitions");
      const stored = await this.#storage.readRegistry();
      const change = planRegistry(stored.snapshot, parsed, this.#transforms);
      if (!change.plan.unchanged) await this.#storage.commitRegistry(change.next, stored.version, change.dropViews);
      this.#transforms = new Map(change.transforms);
      this.#selections.clear();
      return change.plan;
    });
  }

  plan(definitions: Definitions): Promise<RegistryPlan> {
    return this.#run(async () => {
      const parsed = parseInput(definitionsSchema, definitions, "definitions");
      const stored = await this.#storage.readRegistry();
      return planRegistry(stored.snapshot, parsed, this.#transforms).plan;
    });
  }

  listDefinitions(): Promise<RegistrySnapshot> {
    return this.#run(async () => (await this.#registry()).snapshot);
  }

  ingest(view: string, records: readonly FeatureRecord[], options: CallOptions = {}): Promise<IngestResult> {
    return this.#run(async () => {
      const parsed = parseInput(writeSchema, { view, records, signal: options.signal }, "ingest");
      const prepared = prepareRecords(await this.#registry(), parsed.view, records, this.#clock.now());
      throwIfAborted(parsed.signal, "ingest");
      await this.#storage.appendOffline(prepared.layout, prepared.batch);
      this.events.emit("progress", {
        task: `ingest:${view}`,
        done: records.length,
        total: records.length,
        unit: "rows",
      });
      return { rows: records.length };
    });
  }

  push(
    view: string,
    records: readonly FeatureRecord[],
    options: { readonly to?: PushTarget } = {},
  ): Promise<PushResult> {
    return this.#run(async () => {
      const parsed = parseInput(writeSchema, { view, records, to: options.to }, "push");
      const to = parsed.to ?? "online";
      if (to !== "offline") requireCapability(this, "online");
      const registry = await this.#registry();
      const prepared = prepareRecords(registry, parsed.view, records, this.#clock.now());
      if (to !== "offline" && !prepared.view.online) {
        throw new MlstackError("FAILED_PRECONDITION", `feature view "${view}" is not online`, { details: { view } });
      }
      if (to !== "online") await this.#storage.appendOffline(prepared.layout, prepared.batch);
      let online = { written: 0, ignored: 0 };
      if (to !== "offline") {
        const latest = latestPerKey(prepared.batch);
        const result = await this.#storage.writeOnline(prepared.layout, latest);
        online = { written: result.written, ignored: records.length - result.written };
      }
      return { offline: to === "online" ? 0 : records.length, online };
    });
  }

  getHistoricalFeatures(request: HistoricalRequest): Promise<TrainingSet> {
    return this.#run(async () => {
      const stream = this.#stream(request);
      const rows: Row[] = [];
      for await (const batch of stream) for (const row of batch) rows.push(row);
      return {
        featureNames: await stream.featureNames,
        rows,
        ref: await stream.ref,
        lineage: await stream.lineage,
      };
    });
  }

  streamHistoricalFeatures(request: HistoricalRequest): TrainingSetStream {
    const stream = this.#stream(request);
    return { featureNames: stream.featureNames, ref: stream.ref, [Symbol.asyncIterator]: stream[Symbol.asyncIterator] };
  }

  materialize(request: MaterializeRequest): Promise<MaterializeResult> {
    return this.#run(async () => {
      requireCapability(this, "materialize");
      const parsed = parseInput(materializeRequestSchema, request, "materialize request");
      const views = this.#onlineViews(await this.#registry(), parsed.views);
      const results: ViewMaterialization[] = [];
      for (const view of views) {
        results.push(await materializeView(this.#context, view, parsed.start, parsed.end, parsed.signal));
      }
      return { views: results };
    });
  }

  materializeIncremental(request: MaterializeIncrementalRequest): Promise<MaterializeResult> {
    return this.#run(async () => {
      requireCapability(this, "materialize");
      const parsed = parseInput(materializeIncrementalRequestSchema, request, "materializeIncremental request");
      const views = this.#onlineViews(await this.#registry(), parsed.views);
      const results: ViewMaterialization[] = [];
      for (const view of views) {
        const watermark = await this.#storage.getWatermark(view.name);
        const start = watermark ?? (view.ttl > 0 ? parsed.end - view.ttl : Number.MIN_SAFE_INTEGER);
        if (start > parsed.end) continue;
        results.push(await materializeView(this.#context, view, start, parsed.end, parsed.signal));
      }
      return { views: results };
    });
  }

  getOnlineFeatures(request: OnlineRequest): Promise<OnlineFeatures> {
    return this.#run(async () => {
      requireCapability(this, "online");
      const parsed = parseInput(onlineRequestSchema, request, "online request");
      return readOnlineFeatures(this.#context, parsed);
    });
  }

  checkSkew(sample: SkewSample): Promise<SkewReport> {
    return this.#run(async () => {
      requireCapability(this, "skewCheck");
      requireCapability(this, "online");
      const parsed = parseInput(skewSampleSchema, sample, "skew sample");
      return checkSkew(
        parsed,
        this.#clock.now(),
        (r) => readOnlineFeatures(this.#context, parseInput(onlineRequestSchema, r, "online request")),
        async (r) => {
          const stream = this.#stream(r);
          const rows: Row[] = [];
          for await (const batch of stream) rows.push(...batch);
          return { featureNames: await stream.featureNames, rows, ref: await stream.ref, lineage: [] };
        },
      );
    });
  }

  async start(): Promise<void> {
    if (this.#stopped) throw new MlstackError("FAILED_PRECONDITION", `feature store "${this.name}" was stopped`);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#storage.close();
  }

  async health(): Promise<HealthStatus> {
    if (this.#stopped) return { status: "down", detail: "stopped" };
    try {
      await this.#storage.registryVersion();
      return { status: "ok" };
    } catch (error) {
      return { status: "down", detail: toMlstackError(error).message };
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #stream(request: HistoricalRequest) {
    return retrieveHistorical(this.#context, () => {
      if (this.#stopped) throw new MlstackError("FAILED_PRECONDITION", `feature store "${this.name}" was stopped`);
      return parseInput(historicalRequestSchema, request, "historical request");
    });
  }

  #onlineViews(registry: RegistryIndex, names: readonly string[] | undefined): ResolvedFeatureView[] {
    if (names === undefined) return registry.snapshot.featureViews.filter((v) => v.online);
    return names.map((name) => {
      const view = viewNamed(registry, name);
      if (!view.online) {
        throw new MlstackError("FAILED_PRECONDITION", `feature view "${name}" is not online`, {
          details: { view: name },
        });
      }
      return view;
    });
  }

  async #registry(): Promise<RegistryIndex> {
    const version = await this.#storage.registryVersion();
    if (this.#cache?.version !== version) {
      const stored = await this.#storage.readRegistry();
      this.#cache = { version: stored.version, index: indexRegistry(stored.snapshot) };
      this.#selections.clear();
    }
    return this.#cache.index;
  }

  async #select(selection: FeatureSelection): Promise<Selection> {
    const registry = await this.#registry();
    const key = JSON.stringify([selection.features, selection.service, selection.fullFeatureNames ?? false]);
    let resolved = this.#selections.get(key);
    if (resolved === undefined) {
      resolved = resolveSelection(registry, selection, this.#transforms);
      if (this.#selections.size >= SELECTION_CACHE_SIZE) this.#selections.clear();
      this.#selections.set(key, resolved);
    }
    return resolved;
  }

  // Every public call: refused after stop, counted so stop can drain it, errors mapped to MlstackError.
  #run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#stopped) {
      return Promise.reject(new MlstackError("FAILED_PRECONDITION", `feature store "${this.name}" was stopped`));
    }
    const call = (async () => {
      try {
        return await fn();
      } catch (error) {
        throw toMlstackError(error);
      }
    })();
    this.#inFlight.add(call);
    call.then(
      () => this.#inFlight.delete(call),
      () => this.#inFlight.delete(call),
    );
    return call;
  }
}

/** A FeatureStore over the given storage. */
export function createFeatureStore(options: FeatureStoreOptions): FeatureStore {
  return new FeatureStoreEngine(options);
}
