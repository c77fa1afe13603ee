// The quickstart's Stack: the six bricks on embedded backends under one folder, composed with defineStack.
// One content-addressed artifact folder is shared by training, metadata, serving and the stack, so a
// model's bytes are stored once; the trainer reads training sets from the DataEngine and the
// ServingEngine resolves model versions through the registry.
import { join } from "node:path";
import { LocalArtifactStore } from "@mlstack/core";
import { createFilesystemDataEngine } from "@mlstack/data";
import { createLinearModelRuntime, createServingEngine } from "@mlstack/serving";
import { createSqliteFeatureStore, createSqliteMetadataStore, createSqliteMonitor } from "@mlstack/sqlite";
import { dataInputResolver, defineStack, type Principal, registryModelResolver, type Stack } from "@mlstack/stack";
import { createTrainingEngine, inProcessExecutor, linearTrainer } from "@mlstack/training";
import { loanDefaultContract, MODEL } from "./model-contract.js";

/**
 * Who the HTTP inference server calls the ServingEngine as: it may predict with the deployment and read
 * the serving state (readiness, metadata), nothing else.
 */
export const INFERENCE_SERVER: Principal = { id: "inference-server", roles: ["predictor"] };

/** The files and folders a stack opened by {@link openStack} keeps under its folder. */
export const STACK_FILES = ["data", "artifacts", "features.db", "metadata.db", "monitor.db"] as const;

/** Composes the quickstart's stack on `folder` (not started: `stack.validate()` first, then `stack.start()`). */
export async function openStack(folder: string): Promise<Stack> {
  const artifacts = new LocalArtifactStore(join(folder, "artifacts"));
  const data = createFilesystemDataEngine({ root: join(folder, "data") });
  const metadata = createSqliteMetadataStore({ filename: join(folder, "metadata.db"), artifacts });
  // In-process: the trainer's few thousand rows train in milliseconds, less than a worker thread takes to start.
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
  });
  return defineStack(
    {
      data,
      features: createSqliteFeatureStore({ filename: join(folder, "features.db") }),
      training,
      serving,
      metadata,
      monitor: createSqliteMonitor({ filename: join(folder, "monitor.db") }),
    },
    {
      name: "quickstart",
      artifacts,
      models: [loanDefaultContract],
      lineage: { experiment: MODEL },
      // Deny by default: the predictor role may only score with the deployment and read the serving state.
      policy: { roles: { predictor: [{ permission: "serving:predict", resource: MODEL }, "serving:read"] } },
    },
  );
}
