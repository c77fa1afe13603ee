import { MonitorEngine, type MonitorEngineOptions } from "./engine/monitor-engine.js";
import { MemoryMonitorStorage } from "./storage/memory.js";

/** Options of {@link createMemoryMonitor}: the engine's options without storage and name. */
export type MemoryMonitorOptions = Omit<MonitorEngineOptions, "storage" | "name">;

/** A Monitor that keeps everything in memory: for tests, notebooks and short-lived services. */
export function createMemoryMonitor(options: MemoryMonitorOptions = {}): MonitorEngine {
  return new MonitorEngine({ ...options, storage: new MemoryMonitorStorage(), name: "memory" });
}
