import type { ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { RedisConnection } from "../connection.js";

/**
 * The ioredis options behind a connection setting. The executor and the worker open several
 * connections of their own (BullMQ's blocking ones, a subscriber), so a given client lends its options
 * and is itself left alone; a URL is parsed by ioredis (a client that never connects).
 */
export function redisOptionsOf(connection: RedisConnection): RedisOptions {
  if (connection instanceof Redis) return { ...connection.options };
  if (typeof connection === "string") return { ...new Redis(connection, { lazyConnect: true }).options };
  return { ...connection };
}

/**
 * BullMQ's connection setting for these options: connections BullMQ opens and closes itself, with no
 * retry limit on commands as its blocking ones need. (BullMQ types ioredis options with its own
 * narrower interface, hence the cast.)
 */
export function bullmqConnection(options: RedisOptions): ConnectionOptions {
  return { ...options, maxRetriesPerRequest: null } as ConnectionOptions;
}
