// The servers backend's state, for a run that should leave nothing behind: probe the servers, and drop
// the Postgres schema and the Redis keys of a configuration when done.
import { createPool, quoteIdent } from "@mlstack/postgres";
import { closeRedisConnection, resolveRedisConnection } from "@mlstack/redis";
import type { BackendConfig } from "./config.js";

/** The configuration of the servers backend. */
export type ServersConfig = Extract<BackendConfig, { backend: "servers" }>;

/** Why the servers cannot be reached (one line, no secret in it), or undefined when both answer. */
export async function probeServers(config: ServersConfig): Promise<string | undefined> {
  const problems: string[] = [];
  const pool = createPool(config.postgres.connectionString.reveal(), 1);
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    problems.push(`PostgreSQL (${config.postgres.connectionString.label}): ${firstLine(error)}`);
  } finally {
    await pool.end().catch(() => undefined);
  }
  const redis = resolveRedisConnection(config.redis.url.reveal());
  try {
    await redis.client.ping();
  } catch (error) {
    problems.push(`Redis (${config.redis.url.label}): ${firstLine(error)}`);
  } finally {
    await closeRedisConnection(redis);
  }
  return problems.length === 0 ? undefined : problems.join("; ");
}

/** Drops the configuration's Postgres schema and deletes every Redis key under its prefix. */
export async function dropServerState(config: ServersConfig): Promise<void> {
  const pool = createPool(config.postgres.connectionString.reveal(), 1);
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(config.postgres.schema)} CASCADE`);
  } finally {
    await pool.end();
  }
  const redis = resolveRedisConnection(config.redis.url.reveal());
  try {
    const pattern = `${config.redis.keyPrefix.replace(/[*?[\]\\]/g, "\\$&")}:*`;
    let cursor = "0";
    do {
      const [next, keys] = await redis.client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (keys.length > 0) await redis.client.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await closeRedisConnection(redis);
  }
}

// Driver messages can quote the URL; keep the first line and strip anything that looks like one.
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return (message.split("\n")[0] ?? "").replace(/\b[a-z]+:\/\/\S+/gi, "[url]");
}
