// Test helpers: the shared Redis server (skipped with a reason when unreachable, a failure under CI=true),
// unique key prefixes cleaned up after the run, and dedicated redis-server processes for fault tests.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { deleteKeysMatching, escapeGlob } from "../src/keys.js";

/** The shared server's URL. */
export const REDIS_URL = process.env.MLSTACK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function probe(url: string): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  // The socket's own error (ECONNREFUSED ...) says more than the "Connection is closed." that follows.
  let first: string | undefined;
  client.on("error", (error: Error) => {
    first ??= error.message;
  });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return first ?? (error as Error).message;
  } finally {
    client.disconnect();
  }
}

const problem = await probe(REDIS_URL);
if (problem !== undefined) {
  if (process.env.CI === "true") throw new Error(`Redis at ${REDIS_URL} is unreachable under CI=true: ${problem}`);
  console.warn(`skipping Redis tests: no Redis at ${REDIS_URL} (${problem}); set MLSTACK_TEST_REDIS_URL`);
}

/** Whether the shared server answers. */
export const redisAvailable = problem === undefined;

const binary = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
const noBinary = binary.status === 0 ? undefined : (binary.error?.message ?? binary.stderr);
if (noBinary !== undefined) {
  if (process.env.CI === "true") throw new Error(`redis-server is not installed, under CI=true: ${noBinary}`);
  console.warn(`skipping Redis fault tests: cannot run redis-server (${noBinary})`);
}

/** Whether a dedicated `redis-server` can be started (fault tests). */
export const redisServerAvailable = noBinary === undefined;

/** A key prefix no other run uses. */
export function uniquePrefix(label: string): string {
  return `mlstack-test:${label}:${randomUUID()}`;
}

/** Deletes every key under `prefix` on the shared server. */
export async function deletePrefix(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await deleteKeysMatching(client, `${escapeGlob(prefix)}*`);
  } finally {
    client.disconnect();
  }
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, on a loopback port, with its files in a temporary folder. */
export class DedicatedRedis {
  readonly port: number;
  readonly dir: string;
  readonly #extra: readonly string[];
  #process: ChildProcess | undefined;

  private constructor(port: number, extra: readonly string[]) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), "mlstack-redis-"));
    this.#extra = extra;
  }

  /** Starts a server; `extra` are more redis-server arguments (e.g. persistence). */
  static async start(extra: readonly string[] = ["--save", "", "--appendonly", "no"]): Promise<DedicatedRedis> {
    const server = new DedicatedRedis(await freePort(), extra);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server process (again) on the same port and folder, and waits until it answers. */
  async restart(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, ...this.#extra];
    this.#process = spawn("redis-server", args, { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    while ((await probe(this.url)) !== undefined) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Kills the server at once (SIGKILL), as a crash would, and waits for the process to end. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** Kills the server and removes its folder. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
