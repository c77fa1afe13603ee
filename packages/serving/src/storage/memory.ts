import type { ServingStorage, StoredDeployment } from "./spec.js";

/** Deployment records in memory; copies go in and out, so callers cannot alias stored state. */
export class MemoryServingStorage implements ServingStorage {
  readonly name = "memory";
  readonly durable = false;
  readonly #records = new Map<string, StoredDeployment>();

  async list(): Promise<StoredDeployment[]> {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }

  async get(name: string): Promise<StoredDeployment | undefined> {
    const record = this.#records.get(name);
    return record && structuredClone(record);
  }

  async put(deployment: StoredDeployment): Promise<void> {
    this.#records.set(deployment.name, structuredClone(deployment));
  }

  async delete(name: string): Promise<void> {
    this.#records.delete(name);
  }
}
