// Builds the six bricks for a backend configuration and composes them with defineStack. This is the only
// code that knows the backend: each brick is wired the same way on all three (the trainer reads training
// sets through the DataEngine, serving resolves model versions through the registry, and training,
// metadata and serving share one artifact store).
import { join } from "node:path";
import { type ArtifactStore, LocalArtifactStore, MemoryArtifactStore } from "@mlstack/core";
import { createFilesystemDataEngine, createMemoryDataEngine, type DataEngine } from "@mlstack/data";
import { createMemoryFeatureStore, type FeatureStore } from "@mlstack/features";
import { createMemoryMetadataStore, type MetadataStore } from "@mlstack/metadata";
import { createMemoryMonitor, type Monitor } from "@mlstack/monitor";
import { createPostgresDataEngine, createPostgresMetadataStore, PostgresFeatureStorage } from "@mlstack/postgres";
import { createRedisFeatureStore } from "@mlstack/redis";
import { createLinearModelRuntime, createServingEngine, FileServingStorage } from "@mlstack/serving";
import { createSqliteFeatureStore, createSqliteMetadataStore, createSqliteMonitor } from "@mlstack/sqlite";
import { dataInputResolver, defineStack, registryModelResolver, type Stack } from "@mlstack/stack";
import { createTrainingEngine, inProcessExecutor, linearTrainer } from "@mlstack/training";
import { type BackendConfig, type BackendConfigInput, parseBackendConfig } from "./config.js";
import { churnContract, MODEL } from "./model.js";

/** The bricks that keep state, opened for one backend. */
interface StateBricks {
  readonly artifacts: ArtifactStore;
  readonly data: DataEngine;
  readonly features: FeatureStore;
  readonly metadata: MetadataStore;
  readonly monitor: Monitor;
  /** Where deployments are kept; undefined keeps them in memory. */
  readonly deployments?: string;
}

/** Postgres pools per brick: the example makes few queries at a time. */
const MAX_CONNECTIONS = 4;

/**
 * Composes the application's stack on the configured backend (validated first: `INVALID_ARGUMENT`).
 * Not started: call `stack.start()`, and `stack.stop()` when done. The servers backend connects while
 * opening; if that fails, whatever was opened is closed again.
 */
export async function openStack(input: BackendConfigInput | BackendConfig): Promise<Stack> {
  const config = parseBackendConfig(input);
  const state = await openStateBricks(config);
  const { artifacts, data, metadata } = state;
  // In-process: a few hundred rows train in milliseconds, less than a worker thread takes to start.
  const training = createTrainingEngine({
    executor: inProcessExecutor(),
    inputs: dataInputResolver(data),
    artifacts,
    concurrency: 2,
  });
  await training.registerTrainer(linearTrainer);
  const serving = createServingEngine({
    artifacts,
    runtimes: [createLinearModelRuntime()],
    resolveModelVersion: registryModelResolver(metadata),
    ...(state.deployments === undefined ? {} : { storage: new FileServingStorage(state.deployments) }),
  });
  return defineStack(
    { data, features: state.features, training, serving, metadata, monitor: state.monitor },
    {
      name: `swap-backends-${config.backend}`,
      artifacts,
      models: [churnContract],
      lineage: { experiment: MODEL },
      // Kept with the stack for `toJSON()`; its SecretRefs print as [secret].
      config: { ...config },
    },
  );
}

async function openStateBricks(config: BackendConfig): Promise<StateBricks> {
  switch (config.backend) {
    case "memory": {
      const artifacts = new MemoryArtifactStore();
      return {
        artifacts,
        data: createMemoryDataEngine(),
        features: createMemoryFeatureStore(),
        metadata: createMemoryMetadataStore({ artifacts }),
        monitor: createMemoryMonitor(),
      };
    }
    case "embedded": {
      const { folder } = config;
      const artifacts = new LocalArtifactStore(join(folder, "artifacts"));
      return {
        artifacts,
        data: createFilesystemDataEngine({ root: join(folder, "data") }),
        features: createSqliteFeatureStore({ filename: join(folder, "features.db") }),
        metadata: createSqliteMetadataStore({ filename: join(folder, "metadata.db"), artifacts }),
        monitor: createSqliteMonitor({ filename: join(folder, "monitor.db") }),
        deployments: join(folder, "deployments"),
      };
    }
    case "servers": {
      const { folder, postgres, redis } = config;
      const pg = { schema: postgres.schema, maxConnections: MAX_CONNECTIONS };
      // Opened one after the other, so a failure closes exactly what was opened before it.
      const opened: { stop?(): Promise<void>; close?(): Promise<void> }[] = [];
      try {
        const artifacts = new LocalArtifactStore(join(folder, "artifacts"));
        const metadata = await createPostgresMetadataStore({
          connectionString: postgres.connectionString.reveal(),
          ...pg,
          artifacts,
        });
        opened.push(metadata);
        const data = await createPostgresDataEngine({
          connectionString: postgres.connectionString.reveal(),
          ...pg,
          objectsRoot: join(folder, "data-objects"),
        });
        opened.push(data);
        // Offline rows and the registry in Postgres (the system of record), online values in Redis.
        const offline = await PostgresFeatureStorage.open({
          connectionString: postgres.connectionString.reveal(),
          ...pg,
        });
        opened.push(offline);
        const features = createRedisFeatureStore({ redis: redis.url.reveal(), keyPrefix: redis.keyPrefix, offline });
        return {
          artifacts,
          data,
          features,
          metadata,
          // Postgres has no Monitor backend: the Monitor keeps its windows in SQLite next to the artifacts.
          monitor: createSqliteMonitor({ filename: join(folder, "monitor.db") }),
          deployments: join(folder, "deployments"),
        };
      } catch (error) {
        for (const brick of opened.reverse()) await (brick.stop ?? brick.close)?.call(brick).catch(() => undefined);
        throw error;
      }
    }
  }
}
