// Where the tests find Redis, and a skip with a one-line reason when it is not there (a failure under CI=true).
import { Redis } from "ioredis";

export const REDIS_URL = process.env.MLSTACK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function probe(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.disconnect();
  }
}

const failure = await probe(REDIS_URL);
if (failure !== undefined) {
  if (process.env.CI === "true") throw new Error(`Redis is unreachable at ${REDIS_URL} under CI=true: ${failure}`);
  console.warn(`skipping the BullMQ executor tests: Redis is unreachable at ${REDIS_URL} (${failure})`);
}

/** Whether the Redis server answers. */
export const redisAvailable = failure === undefined;

/** Deletes every key under a prefix (a test run's own). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}
