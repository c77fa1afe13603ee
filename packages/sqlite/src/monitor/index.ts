import { MonitorEngine, type MonitorEngineOptions } from "@mlstack/monitor";
import { SqliteMonitorStorage } from "./sqlite-monitor-storage.js";

export { SqliteMonitorStorage } from "./sqlite-monitor-storage.js";

/** Options of {@link createSqliteMonitor}. */
export interface SqliteMonitorOptions extends Omit<MonitorEngineOptions, "storage" | "name"> {
  /** The SQLite file (created if missing); `:memory:` for a throwaway monitor. */
  readonly filename: string;
  /** How long a write waits for another process's lock before `UNAVAILABLE`; default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * A Monitor whose deployments, references, logged rows, window profiles and alert state live in one
 * SQLite file (WAL mode, shareable by several processes). The rules are the reference engine's.
 */
export function createSqliteMonitor(options: SqliteMonitorOptions): MonitorEngine {
  const { filename, busyTimeoutMs, ...rest } = options;
  const storage = SqliteMonitorStorage.open(filename, busyTimeoutMs === undefined ? {} : { busyTimeoutMs });
  return new MonitorEngine({ ...rest, storage, name: "sqlite" });
}
