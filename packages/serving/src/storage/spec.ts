import type { DeploymentSpec } from "../schemas.js";

/** One revision of a deployment: the full spec it served, defaults applied. */
export interface StoredRevision {
  readonly revision: number;
  readonly spec: DeploymentSpec;
  /** Clock time the revision was made. */
  readonly createdAt: number;
}

/** A deployment as stored: its revision history (oldest first) and which revision serves. */
export interface StoredDeployment {
  readonly name: string;
  readonly current: number;
  readonly revisions: readonly StoredRevision[];
  readonly createdAt: number;
}

/**
 * The storage SPI of the ServingEngine: a small keyed store of deployment records. The engine owns every
 * rule; a backend only keeps records, and `put` must replace a record atomically (all of it or none).
 */
export interface ServingStorage {
  /** The backend's name, used as the engine's name (`memory`, `file`). */
  readonly name: string;
  /** Whether records survive a restart of the process. */
  readonly durable: boolean;
  list(): Promise<StoredDeployment[]>;
  get(name: string): Promise<StoredDeployment | undefined>;
  /** Creates or replaces the record of `deployment.name`, atomically. */
  put(deployment: StoredDeployment): Promise<void>;
  /** Removes a record; removing an absent one is not an error. */
  delete(name: string): Promise<void>;
}
