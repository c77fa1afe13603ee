import { canonicalJson, MlstackError } from "@mlstack/core";
import type { AlertRule, AlertState, DeploymentConfig } from "../spec.js";
import type { MonitorStorage, ProfileDelta, ProfileMerger, StoredRecord, StoredReference } from "./spec.js";

interface DeploymentData {
  config: DeploymentConfig;
  reference: StoredReference | undefined;
  records: StoredRecord[];
  profiles: Map<number, ProfileDelta>;
}

/** The in-memory {@link MonitorStorage}: everything in maps, copied in and out so callers cannot alias it. */
export class MemoryMonitorStorage implements MonitorStorage {
  readonly #deployments = new Map<string, DeploymentData>();
  readonly #rules = new Map<string, AlertRule>();
  readonly #states = new Map<string, AlertState>();

  #get(name: string): DeploymentData {
    const d = this.#deployments.get(name);
    if (!d) throw new MlstackError("NOT_FOUND", `no monitored deployment "${name}"`, { details: { deployment: name } });
    return d;
  }

  async createDeployment(config: DeploymentConfig): Promise<void> {
    const name = config.deployment.name;
    if (this.#deployments.has(name)) {
      throw new MlstackError("ALREADY_EXISTS", `deployment "${name}" is already monitored`, {
        details: { deployment: name },
      });
    }
    this.#deployments.set(name, {
      config: structuredClone(config),
      reference: undefined,
      records: [],
      profiles: new Map(),
    });
  }

  async getDeployment(name: string): Promise<DeploymentConfig | undefined> {
    const d = this.#deployments.get(name);
    return d ? structuredClone(d.config) : undefined;
  }

  async listDeployments(): Promise<DeploymentConfig[]> {
    return [...this.#deployments.values()]
      .map((d) => structuredClone(d.config))
      .sort((a, b) => (a.deployment.name < b.deployment.name ? -1 : 1));
  }

  async putReference(deployment: string, reference: StoredReference): Promise<void> {
    this.#get(deployment).reference = structuredClone(reference);
  }

  async getReference(deployment: string): Promise<StoredReference | undefined> {
    const r = this.#get(deployment).reference;
    return r ? structuredClone(r) : undefined;
  }

  async appendLog(
    deployment: string,
    records: StoredRecord[],
    deltas: ProfileDelta[],
    merge: ProfileMerger,
  ): Promise<void> {
    const d = this.#get(deployment);
    // Compute every merged profile first, so a throwing merge leaves nothing half-written.
    const merged = deltas.map((delta) => {
      const stored = d.profiles.get(delta.bucketStart);
      return { bucketStart: delta.bucketStart, profile: stored ? merge(stored.profile, delta.profile) : delta.profile };
    });
    for (const m of merged) d.profiles.set(m.bucketStart, structuredClone(m));
    for (const r of records) d.records.push({ ...r });
  }

  async listRecords(deployment: string, start: number, end: number): Promise<StoredRecord[]> {
    return this.#get(deployment)
      .records.filter((r) => r.timestamp >= start && r.timestamp < end)
      .map((r) => ({ ...r }));
  }

  async attachLabels(deployment: string, labels: { requestId: string; label: string }[]): Promise<string[]> {
    const d = this.#get(deployment);
    const byId = new Map(labels.map((l) => [l.requestId, l.label]));
    const matched = new Set<string>();
    for (const r of d.records) {
      if (r.requestId !== null && byId.has(r.requestId)) {
        r.label = byId.get(r.requestId) as string;
        matched.add(r.requestId);
      }
    }
    return [...matched];
  }

  async listProfiles(deployment: string, start: number, end: number): Promise<ProfileDelta[]> {
    return [...this.#get(deployment).profiles.values()]
      .filter((p) => p.bucketStart >= start && p.bucketStart < end)
      .sort((a, b) => a.bucketStart - b.bucketStart)
      .map((p) => structuredClone(p));
  }

  async putAlertRule(rule: AlertRule): Promise<void> {
    this.#rules.set(rule.id, structuredClone(rule));
  }

  async deleteAlertRule(id: string): Promise<boolean> {
    this.#states.delete(id);
    return this.#rules.delete(id);
  }

  async listAlertRules(deployment?: string): Promise<AlertRule[]> {
    return [...this.#rules.values()]
      .filter((r) => deployment === undefined || r.deployment === deployment)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => structuredClone(r));
  }

  async getAlertState(ruleId: string): Promise<AlertState | undefined> {
    const s = this.#states.get(ruleId);
    return s ? { ...s } : undefined;
  }

  async compareAndSetAlertState(expected: AlertState | undefined, next: AlertState): Promise<boolean> {
    const current = this.#states.get(next.ruleId);
    if (!this.#rules.has(next.ruleId)) return false;
    if ((current === undefined) !== (expected === undefined)) return false;
    if (current && expected && canonicalJson(current) !== canonicalJson(expected)) return false;
    this.#states.set(next.ruleId, { ...next });
    return true;
  }

  async close(): Promise<void> {}
}
