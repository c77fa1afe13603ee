// The online storage on the shared server: the stale-write rule and value encoding against the memory
// storage (the reference), concurrent writers, key expiry, connection options.
import type { Field } from "@mlstack/core";
import { isMlstackError } from "@mlstack/core";
import type { OnlineRecord, ViewLayout } from "@mlstack/features";
import { MemoryFeatureStorage } from "@mlstack/features";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisFeatureStore, RedisFeatureStorage, RedisOnlineStorage } from "../../src/index.js";
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from "../redis-server.js";

const prefix = uniquePrefix("features-online");
afterAll(async () => {
  if (redisAvailable) await deletePrefix(prefix);
});

const FIELDS: Field[] = [
  { name: "b", type: "bool" },
  { name: "i32", type: "int32" },
  { name: "i64", type: "int64" },
  { name: "f32", type: "float32" },
  { name: "f64", type: "float64" },
  { name: "s", type: "string" },
  { name: "y", type: "bytes" },
  { name: "t", type: "timestamp" },
  { name: "v", type: "vector", length: 3 },
  { name: "n", type: "float64", nullable: true },
];
const layout: ViewLayout = { name: "all", fields: FIELDS };

const valuesArb = fc.tuple(
  fc.boolean(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.oneof(fc.maxSafeInteger(), fc.bigInt()),
  fc.double(),
  fc.double(),
  fc.string({ unit: "grapheme" }),
  fc.uint8Array({ maxLength: 20 }),
  fc.maxSafeInteger(),
  fc.array(fc.double(), { minLength: 3, maxLength: 3 }),
  fc.option(fc.double(), { nil: null }),
);
const recordArb = fc.record({
  key: fc.constantFrom("a", "b", "c", "d", '[1,"x"]', "ü:*"),
  eventTime: fc.integer({ min: -5, max: 5 }),
  createdTime: fc.integer({ min: 0, max: 100 }),
  values: valuesArb,
});
// Batches of distinct keys, as the SPI requires.
const batchesArb = fc.array(fc.uniqueArray(recordArb, { selector: (r) => r.key, minLength: 1, maxLength: 6 }), {
  minLength: 1,
  maxLength: 6,
});
const KEYS = ["a", "b", "c", "d", '[1,"x"]', "ü:*", "never"];

let n = 0;
const online = (client: Redis) => new RedisOnlineStorage(client, `${prefix}:${++n}`);
const placement = { name: "all", generation: 0, ttl: 0 };

describe.skipIf(!redisAvailable)("Redis online storage", () => {
  it("keeps the stale-write rule and every value exactly as the memory storage does", async () => {
    const client = new Redis(REDIS_URL);
    try {
      await fc.assert(
        fc.asyncProperty(batchesArb, async (batches) => {
          const redis = online(client);
          const memory = new MemoryFeatureStorage();
          for (const batch of batches) {
            const records = batch as OnlineRecord[];
            expect(await redis.write(placement, layout, records)).toEqual(await memory.writeOnline(layout, records));
          }
          expect(await redis.read(placement, layout, KEYS)).toEqual(await memory.readOnline(layout, KEYS));
        }),
        { numRuns: 60 },
      );
    } finally {
      client.disconnect();
    }
  });

  it("reads thousands of keys in order across chunks, missing ones undefined", async () => {
    const client = new Redis(REDIS_URL);
    try {
      const redis = online(client);
      const memory = new MemoryFeatureStorage();
      const simple: ViewLayout = { name: "all", fields: [{ name: "x", type: "float64" }] };
      const records = Array.from({ length: 2_500 }, (_, i) => ({
        key: `k${i}`,
        eventTime: i,
        createdTime: 0,
        values: [i / 3],
      }));
      await redis.write(placement, simple, records);
      await memory.writeOnline(simple, records);
      const keys = Array.from({ length: 2_600 }, (_, i) => `k${(i * 7919) % 2_600}`);
      expect(await redis.read(placement, simple, keys)).toEqual(await memory.readOnline(simple, keys));
    } finally {
      client.disconnect();
    }
  });

  it("keeps the newest event time per key when writers race from separate connections", async () => {
    const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL), new Redis(REDIS_URL)];
    try {
      await fc.assert(
        fc.asyncProperty(batchesArb, async (batches) => {
          const keyPrefix = `${prefix}:${++n}`;
          const writers = clients.map((c) => new RedisOnlineStorage(c, keyPrefix));
          // A value is a function of (key, event time), so ties between writers cannot tell apart.
          const shaped = batches.map((batch) =>
            batch.map((r) => ({
              ...r,
              values: [...r.values.slice(0, 4), r.key.length * 100 + r.eventTime, ...r.values.slice(5)],
            })),
          );
          await Promise.all(shaped.map((batch, i) => writers[i % writers.length]?.write(placement, layout, batch)));
          const newest = new Map<string, number>();
          for (const r of shaped.flat()) newest.set(r.key, Math.max(newest.get(r.key) ?? -Infinity, r.eventTime));
          const stored = await (writers[0] as RedisOnlineStorage).read(placement, layout, KEYS);
          stored.forEach((record, i) => {
            const expected = newest.get(KEYS[i] as string);
            expect(record?.eventTime).toBe(expected);
            if (record) expect(record.values[4]).toBe(record.key.length * 100 + record.eventTime);
          });
        }),
        { numRuns: 40 },
      );
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it("expires a view's keys at event time + ttl + grace when asked, and never otherwise", async () => {
    const client = new Redis(REDIS_URL);
    try {
      const keyPrefix = `${prefix}:${++n}`;
      const expiring = new RedisOnlineStorage(client, keyPrefix, { graceMs: 100 });
      const lasting = new RedisOnlineStorage(client, `${keyPrefix}-off`);
      const simple: ViewLayout = { name: "v", fields: [{ name: "x", type: "float64" }] };
      const record = (key: string): OnlineRecord => ({ key, eventTime: Date.now() - 800, createdTime: 0, values: [1] });
      const withTtl = { name: "v", generation: 0, ttl: 1000 };
      await expiring.write(withTtl, simple, [record("e")]);
      await expiring.write({ ...withTtl, ttl: 0 }, simple, [record("zero-ttl")]);
      await lasting.write(withTtl, simple, [record("off")]);
      const pttl = await client.pttl(`${keyPrefix}:v:0:k:e`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(300);
      expect(await client.pttl(`${keyPrefix}:v:0:k:zero-ttl`)).toBe(-1);
      expect(await client.pttl(`${keyPrefix}-off:v:0:k:off`)).toBe(-1);
      await new Promise((r) => setTimeout(r, pttl + 50));
      expect(await expiring.read(withTtl, simple, ["e"])).toEqual([undefined]);
    } finally {
      client.disconnect();
    }
  });

  it("refuses bad options, uses a given client without closing it, and maps a foreign key to FAILED_PRECONDITION", async () => {
    const client = new Redis(REDIS_URL);
    const prefixed = new Redis(REDIS_URL, { keyPrefix: "x:", lazyConnect: true });
    try {
      const code = (fn: () => unknown) => {
        try {
          fn();
        } catch (error) {
          return isMlstackError(error) ? error.code : "not an MlstackError";
        }
        return "no error";
      };
      const offline = new MemoryFeatureStorage();
      expect(code(() => new RedisFeatureStorage({ redis: prefixed, offline }))).toBe("INVALID_ARGUMENT");
      expect(code(() => new RedisFeatureStorage({ redis: client, offline, keyPrefix: "" }))).toBe("INVALID_ARGUMENT");
      expect(code(() => new RedisFeatureStorage({ redis: client, offline: {} as never }))).toBe("INVALID_ARGUMENT");

      const keyPrefix = `${prefix}:${++n}`;
      const store = createRedisFeatureStore({ redis: client, keyPrefix, offline });
      await store.apply({
        entities: [{ name: "user", joinKeys: [{ name: "id", type: "string" }] }],
        featureViews: [{ name: "v", entities: ["user"], schema: { fields: [{ name: "x", type: "float64" }] } }],
      });
      await client.set(`${keyPrefix}:v:0:k:taken`, "not a hash");
      const error = await store
        .push("v", [
          { id: "ok", event_timestamp: 1, x: 1 },
          { id: "taken", event_timestamp: 1, x: 2 },
        ])
        .catch((e) => e);
      expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
      // The script read every stored time before writing: the good key was not written either.
      expect(await client.exists(`${keyPrefix}:v:0:k:ok`)).toBe(0);
      await store.stop();
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
      prefixed.disconnect();
    }
  });
});
