import { MlstackError } from "@mlstack/core";
import { compareMetricValues } from "../engine/latest-metric.js";
import { compareRunsBy, compileRunFilter } from "../engine/run-filter.js";
import type {
  AliasMove,
  Experiment,
  LineageArtifact,
  LineageAssociation,
  LineageAttribution,
  LineageContext,
  LineageEvent,
  LineageExecution,
  MetricPoint,
  ModelVersion,
  Run,
  RunArtifact,
  RunInfo,
} from "../spec.js";
import type { Awaitable, MetadataStorage, MetadataTx, StorageRunQuery, StoredModel } from "./spec.js";
import { TransactionLock } from "./transaction-lock.js";

interface RunState {
  info: RunInfo;
  params: Map<string, string>;
  tags: Map<string, string>;
  latest: Map<string, MetricPoint>;
  history: Map<string, MetricPoint[]>;
  // `${key}\0${step}\0${timestamp}\0${value}`: NaN prints as "NaN", and -0 as "0" (equal to 0, as in SQLite).
  seen: Set<string>;
  artifacts: Map<string, RunArtifact>;
}

const SEP = "\u0000";
const eventKey = (e: LineageEvent) => `${e.type}${SEP}${e.artifact}${SEP}${e.execution}`;

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
  return list;
}

/** A key → value record read straight from a map (an absent key, even `constructor`, is undefined). */
function mapRecord<V>(map: ReadonlyMap<string, V>): Record<string, V> {
  return new Proxy({} as Record<string, V>, {
    get: (_, key) => (typeof key === "string" ? map.get(key) : undefined),
  });
}

/**
 * A run as a search reads it: filters and orderings look up a few keys, so the params, tags and
 * metrics are read from the run's maps instead of being copied for every run searched.
 */
function searchView(s: RunState): Run {
  return { ...s.info, params: mapRecord(s.params), tags: mapRecord(s.tags), metrics: mapRecord(s.latest) };
}

/**
 * The in-memory storage: plain maps, each write logged with its inverse so a failed transaction is
 * undone exactly; transactions run one at a time. Records are copied in and out, so callers never share its state.
 */
export class MemoryMetadataStorage implements MetadataStorage, MetadataTx {
  readonly name = "memory";
  #undo: Array<() => void> | null = null;
  // Reads too take the lock: a write transaction awaits between its calls and must not be seen half-done.
  readonly #lock = new TransactionLock();
  #closed = false;
  readonly #experiments = new Map<string, Experiment>();
  readonly #runs = new Map<string, RunState>();
  readonly #models = new Map<string, StoredModel>();
  readonly #versions = new Map<string, ModelVersion>();
  readonly #aliases = new Map<string, Map<string, string>>();
  readonly #aliasMoves: AliasMove[] = [];
  readonly #artifactNodes = new Map<string, LineageArtifact>();
  readonly #executions = new Map<string, LineageExecution>();
  readonly #contexts = new Map<string, LineageContext>();
  readonly #events = new Map<string, LineageEvent>();
  readonly #eventsByArtifact = new Map<string, LineageEvent[]>();
  readonly #eventsByExecution = new Map<string, LineageEvent[]>();
  readonly #attributions = new Map<string, LineageAttribution>();
  readonly #associations = new Map<string, LineageAssociation>();
  readonly #parents = new Map<string, Set<string>>();

  read<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T> {
    return this.#lock.run(async () => {
      this.#open();
      return fn(this);
    });
  }

  write<T>(fn: (tx: MetadataTx) => Awaitable<T>): Promise<T> {
    return this.#lock.run(async () => {
      this.#open();
      const undo: Array<() => void> = [];
      this.#undo = undo;
      try {
        return await fn(this);
      } catch (error) {
        for (let i = undo.length - 1; i >= 0; i--) (undo[i] as () => void)();
        throw error;
      } finally {
        this.#undo = null;
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new MlstackError("FAILED_PRECONDITION", "the memory storage is closed");
  }

  #log(inverse: () => void): void {
    if (!this.#undo) throw new MlstackError("INTERNAL", "a write outside a write transaction");
    this.#undo.push(inverse);
  }

  #set<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const old = map.get(key) as V;
    map.set(key, value);
    this.#log(() => (had ? map.set(key, old) : map.delete(key)));
  }

  #delete<K, V>(map: Map<K, V>, key: K): void {
    if (!map.has(key)) return;
    const old = map.get(key) as V;
    map.delete(key);
    this.#log(() => map.set(key, old));
  }

  #push<T>(list: T[], value: T): void {
    list.push(value);
    this.#log(() => list.pop());
  }

  #state(runId: string): RunState {
    const s = this.#runs.get(runId);
    if (!s) throw new MlstackError("INTERNAL", `storage asked for missing run ${runId}`);
    return s;
  }

  #run(s: RunState): Run {
    return {
      ...s.info,
      params: Object.fromEntries(s.params),
      tags: Object.fromEntries(s.tags),
      metrics: Object.fromEntries(s.latest),
    };
  }

  getExperiment(experimentId: string): Experiment | undefined {
    return this.#experiments.get(experimentId);
  }
  getExperimentByName(name: string): Experiment | undefined {
    for (const e of this.#experiments.values()) if (e.name === name) return e;
    return undefined;
  }
  listExperiments(): Experiment[] {
    return [...this.#experiments.values()];
  }
  putExperiment(experiment: Experiment): void {
    this.#set(
      this.#experiments,
      experiment.experimentId,
      Object.freeze({ ...experiment, tags: { ...experiment.tags } }),
    );
  }

  getRunInfo(runId: string): RunInfo | undefined {
    return this.#runs.get(runId)?.info;
  }
  getRuns(runIds: readonly string[]): Run[] {
    return runIds.flatMap((id) => {
      const s = this.#runs.get(id);
      return s ? [this.#run(s)] : [];
    });
  }
  putRunInfo(info: RunInfo): void {
    const s = this.#runs.get(info.runId);
    if (s) {
      const old = s.info;
      s.info = Object.freeze({ ...info });
      this.#log(() => (s.info = old));
      return;
    }
    this.#set(this.#runs, info.runId, {
      info: Object.freeze({ ...info }),
      params: new Map(),
      tags: new Map(),
      latest: new Map(),
      history: new Map(),
      seen: new Set(),
      artifacts: new Map(),
    });
  }
  getParams(runId: string, keys: readonly string[]): Map<string, string> {
    const params = this.#state(runId).params;
    return new Map(keys.flatMap((k) => (params.has(k) ? [[k, params.get(k) as string]] : [])));
  }
  insertParams(runId: string, params: ReadonlyMap<string, string>): void {
    const s = this.#state(runId);
    for (const [k, v] of params) if (!s.params.has(k)) this.#set(s.params, k, v);
  }
  putTags(runId: string, tags: ReadonlyMap<string, string>): void {
    const s = this.#state(runId);
    for (const [k, v] of tags) this.#set(s.tags, k, v);
  }
  deleteTag(runId: string, key: string): void {
    this.#delete(this.#state(runId).tags, key);
  }
  getLatestMetrics(runId: string, keys: readonly string[]): Map<string, MetricPoint> {
    const latest = this.#state(runId).latest;
    return new Map(keys.flatMap((k) => (latest.has(k) ? [[k, latest.get(k) as MetricPoint]] : [])));
  }
  putLatestMetrics(runId: string, points: readonly MetricPoint[]): void {
    const s = this.#state(runId);
    for (const p of points) this.#set(s.latest, p.key, Object.freeze({ ...p }));
  }
  appendMetrics(runId: string, points: readonly MetricPoint[]): void {
    const s = this.#state(runId);
    for (const p of points) {
      const id = `${p.key}${SEP}${p.step}${SEP}${p.timestamp}${SEP}${p.value}`;
      if (s.seen.has(id)) continue;
      s.seen.add(id);
      this.#log(() => s.seen.delete(id));
      let list = s.history.get(p.key);
      if (!list) {
        list = [];
        this.#set(s.history, p.key, list);
      }
      this.#push(list, Object.freeze({ ...p }));
    }
  }
  metricHistory(runId: string, key: string, minStep: number, maxStep: number): MetricPoint[] {
    const list = this.#state(runId).history.get(key) ?? [];
    return list
      .filter((p) => p.step >= minStep && p.step <= maxStep)
      .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || compareMetricValues(a.value, b.value));
  }
  searchRuns(query: StorageRunQuery): string[] {
    const experiments = new Set(query.experimentIds);
    const match = query.filter ? compileRunFilter(query.filter) : () => true;
    const runs: Run[] = [];
    for (const s of this.#runs.values()) {
      if (!experiments.has(s.info.experimentId)) continue;
      if (query.lifecycle !== "all" && s.info.lifecycle !== query.lifecycle) continue;
      const run = searchView(s);
      if (match(run)) runs.push(run);
    }
    return runs
      .sort(compareRunsBy(query.orderBy))
      .slice(query.offset, query.offset + query.limit)
      .map((r) => r.runId);
  }

  putRunArtifact(artifact: RunArtifact): void {
    this.#set(this.#state(artifact.runId).artifacts, artifact.path, Object.freeze({ ...artifact }));
  }
  getRunArtifact(runId: string, path: string): RunArtifact | undefined {
    return this.#runs.get(runId)?.artifacts.get(path);
  }
  listRunArtifacts(runId: string): RunArtifact[] {
    const all = [...(this.#runs.get(runId)?.artifacts.values() ?? [])];
    return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  getModel(name: string): StoredModel | undefined {
    return this.#models.get(name);
  }
  listModels(): StoredModel[] {
    return [...this.#models.values()];
  }
  putModel(model: StoredModel): void {
    this.#set(this.#models, model.name, Object.freeze({ ...model, tags: { ...model.tags } }));
  }
  getModelVersion(model: string, version: string): ModelVersion | undefined {
    return this.#versions.get(`${model}${SEP}${version}`);
  }
  listModelVersions(filter: { model?: string; runId?: string }): ModelVersion[] {
    return [...this.#versions.values()].filter(
      (v) =>
        (filter.model === undefined || v.model === filter.model) &&
        (filter.runId === undefined || v.runId === filter.runId),
    );
  }
  putModelVersion(version: ModelVersion): void {
    this.#set(
      this.#versions,
      `${version.model}${SEP}${version.version}`,
      Object.freeze({ ...version, tags: { ...version.tags } }),
    );
  }
  getAliases(model: string): Map<string, string> {
    return new Map(this.#aliases.get(model) ?? []);
  }
  putAlias(model: string, alias: string, version: string | null): void {
    let aliases = this.#aliases.get(model);
    if (!aliases) {
      aliases = new Map();
      this.#set(this.#aliases, model, aliases);
    }
    if (version === null) this.#delete(aliases, alias);
    else this.#set(aliases, alias, version);
  }
  appendAliasMove(move: AliasMove): void {
    this.#push(this.#aliasMoves, Object.freeze({ ...move }));
  }
  aliasHistory(model: string, alias?: string): AliasMove[] {
    return this.#aliasMoves.filter((m) => m.model === model && (alias === undefined || m.alias === alias));
  }

  getArtifactNodes(keys: readonly string[]): LineageArtifact[] {
    return keys.flatMap((k) => {
      const n = this.#artifactNodes.get(k);
      return n ? [n] : [];
    });
  }
  putArtifactNode(node: LineageArtifact): void {
    this.#set(this.#artifactNodes, node.key, Object.freeze({ ...node, properties: { ...node.properties } }));
  }
  getExecutions(ids: readonly string[]): LineageExecution[] {
    return ids.flatMap((id) => {
      const n = this.#executions.get(id);
      return n ? [n] : [];
    });
  }
  putExecution(node: LineageExecution): void {
    this.#set(this.#executions, node.id, Object.freeze({ ...node, properties: { ...node.properties } }));
  }
  getContexts(ids: readonly string[]): LineageContext[] {
    return ids.flatMap((id) => {
      const n = this.#contexts.get(id);
      return n ? [n] : [];
    });
  }
  putContext(node: LineageContext): void {
    this.#set(this.#contexts, node.id, Object.freeze({ ...node, properties: { ...node.properties } }));
  }
  hasEvent(event: LineageEvent): boolean {
    return this.#events.has(eventKey(event));
  }
  insertEvent(event: LineageEvent): void {
    const e = Object.freeze({ artifact: event.artifact, execution: event.execution, type: event.type });
    this.#set(this.#events, eventKey(e), e);
    const a = pushTo(this.#eventsByArtifact, e.artifact, e);
    const x = pushTo(this.#eventsByExecution, e.execution, e);
    this.#log(() => {
      a.pop();
      x.pop();
    });
  }
  eventsOf(artifactKeys: readonly string[], executionIds: readonly string[]): LineageEvent[] {
    const out = new Map<string, LineageEvent>();
    for (const k of artifactKeys) for (const e of this.#eventsByArtifact.get(k) ?? []) out.set(eventKey(e), e);
    for (const id of executionIds) for (const e of this.#eventsByExecution.get(id) ?? []) out.set(eventKey(e), e);
    return [...out.values()];
  }
  putMemberships(attributions: readonly LineageAttribution[], associations: readonly LineageAssociation[]): void {
    for (const a of attributions)
      this.#set(this.#attributions, `${a.artifact}${SEP}${a.context}`, Object.freeze({ ...a }));
    for (const a of associations)
      this.#set(this.#associations, `${a.execution}${SEP}${a.context}`, Object.freeze({ ...a }));
  }
  membershipsOf(
    artifactKeys: readonly string[],
    executionIds: readonly string[],
  ): { attributions: LineageAttribution[]; associations: LineageAssociation[] } {
    const a = new Set(artifactKeys);
    const e = new Set(executionIds);
    return {
      attributions: [...this.#attributions.values()].filter((x) => a.has(x.artifact)),
      associations: [...this.#associations.values()].filter((x) => e.has(x.execution)),
    };
  }
  parentContexts(contextId: string): string[] {
    return [...(this.#parents.get(contextId) ?? [])];
  }
  putParentContext(child: string, parent: string): void {
    let set = this.#parents.get(child);
    if (!set) {
      set = new Set();
      this.#set(this.#parents, child, set);
    }
    if (set.has(parent)) return;
    const s = set;
    s.add(parent);
    this.#log(() => s.delete(parent));
  }
}
