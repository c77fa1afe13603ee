import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMlstackError } from "@mlstack/core";
import { SecretRef } from "@mlstack/stack";
import { afterAll, describe, expect, it } from "vitest";
import { type AppSummary, runApp } from "../src/app.js";
import { type BackendConfigInput, configFromEnv, parseBackendConfig } from "../src/config.js";
import { DEPLOYMENT, MODEL } from "../src/model.js";
import { openStack } from "../src/open-stack.js";
import { dropServerState, probeServers, type ServersConfig } from "../src/server-state.js";

const folders: string[] = [];
async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "mlstack-swap-test-"));
  folders.push(folder);
  return folder;
}

// The servers backend on a schema and key prefix of this run, dropped at the end.
const run = `${process.pid}_${randomBytes(4).toString("hex")}`;
const serversConfig = configFromEnv("servers", {
  folder: await tempFolder(),
  schema: `mlstack_swap_t_${run}`,
  keyPrefix: `mlstack-test:swap:${run}`,
}) as ServersConfig;
// Unreachable servers skip that test with a one-line reason, except under CI=true, where that fails.
const unreachable = await probeServers(serversConfig);
if (unreachable !== undefined) {
  if (process.env.CI === "true") throw new Error(`${unreachable}; CI=true requires the servers`);
  console.warn(`skipping the servers backend: ${unreachable}`);
}

afterAll(async () => {
  if (unreachable === undefined) await dropServerState(serversConfig);
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** Runs the application on a fresh stack; also returns the stack's JSON description. */
async function runOn(config: BackendConfigInput): Promise<AppSummary & { readonly json: string }> {
  const stack = await openStack(config);
  await stack.start();
  try {
    return { ...(await runApp(stack)), json: JSON.stringify(stack.toJSON()) };
  } finally {
    await stack.stop();
  }
}

let memory: (AppSummary & { readonly json: string }) | undefined;
async function onMemory(): Promise<AppSummary & { readonly json: string }> {
  memory ??= await runOn({ backend: "memory" });
  return memory;
}

describe("examples/swap-backends", () => {
  it("runs the same application on memory and on SQLite and files, with the same model and predictions", async () => {
    const folder = await tempFolder();
    const onMem = await onMemory();
    const embedded = await runOn({ backend: "embedded", folder });

    expect(onMem.bricks.features).toBe("memory");
    expect(embedded.bricks).toMatchObject({ features: "sqlite", metadata: "sqlite", monitor: "sqlite" });
    expect(onMem.rows).toEqual({ committed: 300, trainingSet: 300 });
    expect(embedded.rows).toEqual(onMem.rows);
    expect(embedded.model).toEqual({ kind: "model-version", model: MODEL, version: "1" });
    expect(embedded.model).toEqual(onMem.model);
    // Same rows, same seed, same rules: the same model, bit for bit.
    expect(embedded.metrics).toEqual(onMem.metrics);
    expect(embedded.predictions).toEqual(onMem.predictions);
    // The data has a known signal, and the served scores are probabilities.
    expect(onMem.metrics.auc).toBeGreaterThan(0.7);
    expect(onMem.predictions).toHaveLength(5);
    for (const { probability } of onMem.predictions) expect(probability > 0 && probability < 1).toBe(true);
    // The lineage reaches back from the deployment to the data commit on both.
    expect(onMem.lineage).toContain(onMem.dataCommit);
    expect(embedded.lineage).toContain(embedded.dataCommit);
  });

  it("keeps the embedded state: reopened on the same folder, the model is registered and still served", async () => {
    const folder = await tempFolder();
    const first = await runOn({ backend: "embedded", folder });
    const stack = await openStack({ backend: "embedded", folder });
    await stack.start();
    try {
      const version = await stack.metadata.getModelVersionByAlias(MODEL, "production");
      expect(version.version).toBe(first.model.version);
      const status = await stack.serving.status(DEPLOYMENT.name);
      expect(status.name).toBe(DEPLOYMENT.name);
    } finally {
      await stack.stop();
    }
  });

  it.skipIf(unreachable !== undefined)(
    "runs the same application on PostgreSQL and Redis, with the same model and predictions",
    async () => {
      const servers = await runOn(serversConfig);
      const onMem = await onMemory();
      expect(servers.bricks).toMatchObject({ data: "postgres", features: "redis", metadata: "postgres" });
      expect(servers.metrics).toEqual(onMem.metrics);
      expect(servers.predictions).toEqual(onMem.predictions);
      expect(servers.lineage).toContain(servers.dataCommit);
      expect(servers.json).toContain('"connectionString":"[secret]"');
      expect(servers.json).not.toContain(serversConfig.postgres.connectionString.reveal());
    },
  );

  it("validates the configuration and keeps connection strings secret", () => {
    const bad = [
      { backend: "cloud" },
      { backend: "embedded" },
      { backend: "memory", folder: "/tmp/x" },
      {
        backend: "servers",
        folder: "/tmp/x",
        postgres: { connectionString: "postgres://app:hunter2@db/ml" },
        redis: { url: SecretRef.value("redis://db") },
      },
    ];
    for (const config of bad) {
      let error: unknown;
      try {
        parseBackendConfig(config);
      } catch (e) {
        error = e;
      }
      expect(isMlstackError(error) && error.code).toBe("INVALID_ARGUMENT");
      expect(String((error as Error).message)).not.toContain("hunter2");
    }
    const env = { MLSTACK_PG_URL: "postgres://app:hunter2@db.internal/ml" };
    const config = configFromEnv("servers", { folder: "/tmp/x", env });
    expect(config.backend === "servers" && config.postgres.connectionString.reveal()).toBe(env.MLSTACK_PG_URL);
    expect(JSON.stringify(config)).not.toContain("hunter2");
  });
});
