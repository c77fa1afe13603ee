import { MlstackError } from "@mlstack/core";
import { Redis, type RedisOptions } from "ioredis";

/** How an adapter reaches Redis: a client you own and close, or a URL or ioredis options it owns. */
export type RedisConnection = Redis | string | RedisOptions;

/**
 * The defaults of clients this package creates. A command waits for at most one reconnection attempt
 * before it fails (so a lost server is `UNAVAILABLE` in well under a second, not after ioredis' default
 * 20 attempts), and reconnection goes on in the background, every 50 to 500 ms, so the adapter works
 * again once the server is back.
 */
export const REDIS_CLIENT_DEFAULTS: Readonly<RedisOptions> = Object.freeze({
  maxRetriesPerRequest: 1,
  connectTimeout: 5_000,
  retryStrategy: (attempt: number) => Math.min(attempt * 50, 500),
});

/** A client and whether this package owns it (and so closes it). */
export interface ResolvedRedisConnection {
  readonly client: Redis;
  readonly owned: boolean;
}

/**
 * Turns a {@link RedisConnection} into a client: a given client is used as it is and never closed here;
 * a URL or options get a new client with {@link REDIS_CLIENT_DEFAULTS} (options win). A client with
 * ioredis' own `keyPrefix` is refused (`INVALID_ARGUMENT`): scripts and key scans would not see it, so
 * adapters take their own `keyPrefix` option instead.
 */
export function resolveRedisConnection(connection: RedisConnection): ResolvedRedisConnection {
  if (connection instanceof Redis) {
    if (connection.options.keyPrefix) {
      throw new MlstackError(
        "INVALID_ARGUMENT",
        "the Redis client has an ioredis keyPrefix; pass the adapter's keyPrefix option instead",
        { details: { keyPrefix: connection.options.keyPrefix } },
      );
    }
    return { client: connection, owned: false };
  }
  const options =
    typeof connection === "string" ? { ...REDIS_CLIENT_DEFAULTS } : { ...REDIS_CLIENT_DEFAULTS, ...connection };
  if (options.keyPrefix) {
    throw new MlstackError("INVALID_ARGUMENT", "pass the adapter's keyPrefix option instead of ioredis' keyPrefix", {
      details: { keyPrefix: options.keyPrefix },
    });
  }
  const client = typeof connection === "string" ? new Redis(connection, options) : new Redis(options);
  // Connection errors reach callers through their commands; without a listener ioredis logs each one.
  client.on("error", () => {});
  return { client, owned: true };
}

/** Closes a client this package owns: QUIT when connected, else just disconnect. Never throws. */
export async function closeRedisConnection(connection: ResolvedRedisConnection): Promise<void> {
  if (!connection.owned) return;
  const { client } = connection;
  if (client.status === "ready") {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the server went away while quitting.
    }
  }
  client.disconnect();
}
