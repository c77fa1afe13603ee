import type { DataCapabilities, DataEngine } from "../spec.js";
import { chunkingSuite } from "./suite-chunking.js";
import { commitSuite } from "./suite-commits.js";
import { diffMergeSuite } from "./suite-diff-merge.js";
import { directorySuite } from "./suite-directories.js";
import { maintenanceSuite } from "./suite-maintenance.js";
import { pipelineSuite } from "./suite-pipelines.js";
import { repoSuite } from "./suite-repos.js";
import { tableSuite } from "./suite-tables.js";

/** Options of {@link dataEngineConformance}. */
export interface DataEngineConformanceOptions {
  /** Names the implementation in test titles. */
  name: string;
  /** Returns a fresh, isolated engine on every call; the suite stops it after each test. */
  create: () => DataEngine | Promise<DataEngine>;
  /** How many fast-check runs each property does; default 25. */
  propertyRuns?: number;
  /**
   * The capabilities the engines will have, to gate groups before any engine exists; default all true
   * (but `persistent` false). The suite checks that the engines really have them.
   */
  capabilities?: Partial<DataCapabilities>;
}

/**
 * Registers the DataEngine conformance suite with vitest: repos and branches, the commit rules, reads
 * and paths, diff and merge (with fast-check properties against small oracles), chunking, tables,
 * local folders, pipelines and maintenance. Groups are gated on the capability manifest, and a false
 * capability must make its methods `NOT_SUPPORTED`.
 */
export function dataEngineConformance(options: DataEngineConformanceOptions): void {
  const capabilities: DataCapabilities = {
    merge: true,
    tables: true,
    localDirectories: true,
    pipelines: true,
    maintenance: true,
    persistent: false,
    ...options.capabilities,
  };
  const ctx = { name: options.name, create: options.create, propertyRuns: options.propertyRuns ?? 25, capabilities };
  repoSuite(ctx);
  commitSuite(ctx);
  diffMergeSuite(ctx);
  chunkingSuite(ctx);
  tableSuite(ctx);
  directorySuite(ctx);
  pipelineSuite(ctx);
  maintenanceSuite(ctx);
}
