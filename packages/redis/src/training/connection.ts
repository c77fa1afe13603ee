import type { ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { REDIS_CLIENT_DEFAULTS, type RedisConnection } from "../connection.js";

/** What a URL says; everything else keeps this package's defaults. */
const URL_OPTIONS = ["host", "port", "path", "family", "username", "password", "db", "tls"] as const;

/**
 * The ioredis options behind a connection setting. The executor and the worker open several
 * connections of their own (BullMQ's blocking ones, a subscriber), so a given client lends its options
 * and is itself left alone; a URL is parsed by ioredis (a client that never connects), keeping only
 * what the URL says.
 */
export function redisOptionsOf(connection: RedisConnection): RedisOptions {
  if (connection instanceof Redis) return { ...connection.options };
  if (typeof connection !== "string") return { ...connection };
  const parsed = new Redis(connection, { lazyConnect: true }).options;
  const options: Record<string, unknown> = {};
  for (const key of URL_OPTIONS) if (parsed[key] !== undefined) options[key] = parsed[key];
  return options as RedisOptions;
}

/**
 * BullMQ's connection setting for these options: connections BullMQ opens and closes itself. Blocking
 * ones (a worker's, the queue events') wait out a lost server, as BullMQ needs; the others fail fast
 * like every client of this package ({@link REDIS_CLIENT_DEFAULTS}), so enqueueing on a lost server is
 * UNAVAILABLE at once. (BullMQ types ioredis options with its own narrower interface, hence the cast.)
 */
export function bullmqConnection(options: RedisOptions, blocking: boolean): ConnectionOptions {
  const connection = blocking ? { ...options, maxRetriesPerRequest: null } : { ...REDIS_CLIENT_DEFAULTS, ...options };
  return connection as ConnectionOptions;
}
