// npm start -w @mlstack/example-swap-backends -- --backend memory|embedded|servers [--folder DIR] [--keep]
// Runs the same application on the backend chosen on the command line. By default each run starts
// fresh and leaves nothing behind (a temporary folder; for servers, a Postgres schema and Redis key
// prefix of its own, dropped at the end); --keep keeps the state and prints where it is.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MlstackError } from "@mlstack/core";
import { runApp } from "./app.js";
import { BACKENDS, type BackendConfig, configFromEnv } from "./config.js";
import { openStack } from "./open-stack.js";
import { dropServerState } from "./server-state.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: "string", default: "memory" },
      folder: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const backend = values.backend ?? "memory";
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new MlstackError("INVALID_ARGUMENT", `--backend must be one of ${BACKENDS.join(", ")}, not "${backend}"`);
  }
  const folder = values.folder ?? (backend === "memory" ? undefined : await mkdtemp(join(tmpdir(), "mlstack-swap-")));
  const run = `${process.pid}_${randomBytes(3).toString("hex")}`;
  const config: BackendConfig = configFromEnv(backend, {
    ...(folder === undefined ? {} : { folder }),
    ...(values.keep ? {} : { schema: `mlstack_swap_${run}`, keyPrefix: `mlstack-swap:${run}` }),
  });
  const started = performance.now();
  try {
    const stack = await openStack(config);
    await stack.start();
    try {
      const summary = await runApp(stack, { log: (line) => console.log(line) });
      console.log(
        `\nmetrics: ${Object.entries(summary.metrics)
          .map(([k, v]) => `${k}=${round(v)}`)
          .join(" ")}`,
      );
      console.log(`\n${stack.coverage().text}`);
    } finally {
      await stack.stop();
    }
  } finally {
    if (values.keep) {
      if (folder !== undefined) console.log(`state kept in ${folder}`);
      if (config.backend === "servers") {
        console.log(`Postgres schema ${config.postgres.schema}, Redis keys ${config.redis.keyPrefix}:*`);
      }
    } else {
      if (config.backend === "servers") await dropServerState(config);
      if (folder !== undefined && values.folder === undefined) await rm(folder, { recursive: true, force: true });
    }
  }
  console.log(`done on ${backend} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
