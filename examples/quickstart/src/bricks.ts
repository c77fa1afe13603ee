// Opens the six bricks on embedded backends under one folder and closes them again. One content-addressed
// artifact folder is shared by training, metadata and serving, so a model's bytes are stored once and a
// registry version resolves to an artifact the ServingEngine can read.
import { join } from "node:path";
import { type ArtifactStore, LocalArtifactStore } from "@mlstack/core";
import { createFilesystemDataEngine, type DataEngine } from "@mlstack/data";
import type { FeatureStore } from "@mlstack/features";
import type { MetadataStore } from "@mlstack/metadata";
import type { Monitor } from "@mlstack/monitor";
import { createLinearModelRuntime, createServingEngine, type ServingEngine } from "@mlstack/serving";
import { createSqliteFeatureStore, createSqliteMetadataStore, createSqliteMonitor } from "@mlstack/sqlite";
import {
  createTrainingEngine,
  inProcessExecutor,
  linearTrainer,
  MemoryInputResolver,
  type TrainingEngine,
} from "@mlstack/training";

/** The bricks of the quickstart, opened on one folder. */
export interface Bricks {
  /** Model bytes, shared by training, metadata and serving. */
  readonly artifacts: ArtifactStore;
  readonly data: DataEngine;
  readonly features: FeatureStore;
  readonly training: TrainingEngine;
  /** Serves the training sets' rows to the trainer (the FeatureStore does not implement InputResolver). */
  readonly inputs: MemoryInputResolver;
  readonly metadata: MetadataStore;
  readonly serving: ServingEngine;
  readonly monitor: Monitor;
  /** Stops every brick that was opened, in reverse order; errors of one do not keep the others open. */
  close(): Promise<void>;
}

/** Opens every brick under `folder`. */
export async function openBricks(folder: string): Promise<Bricks> {
  const opened: { stop?(): Promise<void> }[] = [];
  const close = async () => {
    const errors: unknown[] = [];
    for (const brick of opened.reverse()) await brick.stop?.().catch((e: unknown) => errors.push(e));
    opened.length = 0;
    if (errors.length > 0) throw errors[0];
  };
  try {
    const artifacts = new LocalArtifactStore(join(folder, "artifacts"));
    const open = async <B extends { start?(): Promise<void>; stop?(): Promise<void> }>(brick: B): Promise<B> => {
      opened.push(brick);
      await brick.start?.();
      return brick;
    };
    const data = await open(createFilesystemDataEngine({ root: join(folder, "data") }));
    const features = await open(createSqliteFeatureStore({ filename: join(folder, "features.db") }));
    const metadata = await open(createSqliteMetadataStore({ filename: join(folder, "metadata.db"), artifacts }));
    const inputs = new MemoryInputResolver();
    // In-process: the trainer's few thousand rows train in milliseconds, less than a worker thread takes to start.
    const training = await open(
      createTrainingEngine({ executor: inProcessExecutor(), inputs, artifacts, concurrency: 2 }),
    );
    await training.registerTrainer(linearTrainer);
    const serving = await open(
      createServingEngine({
        artifacts,
        runtimes: [createLinearModelRuntime()],
        resolveModelVersion: async (ref) => (await metadata.getModelVersion(ref.model, ref.version)).source,
      }),
    );
    const monitor = await open(createSqliteMonitor({ filename: join(folder, "monitor.db") }));
    return { artifacts, data, features, training, inputs, metadata, serving, monitor, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
