// The server goes away in the middle of a call: the call fails UNAVAILABLE (retryable), a batch is never
// half-written, and the same store works again once the server is back.
import type { MlstackError } from "@mlstack/core";
import { isMlstackError, ManualClock } from "@mlstack/core";
import type { FeatureStore } from "@mlstack/features";
import { MemoryFeatureStorage } from "@mlstack/features";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisFeatureStore } from "../../src/index.js";
import { DedicatedRedis, redisServerAvailable } from "../redis-server.js";

const FIELDS = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, type: "float64" as const }));
const definitions = {
  entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" as const }] }],
  featureViews: [{ name: "stats", entities: ["user"], schema: { fields: FIELDS } }],
};
const records = (n: number, time: number) =>
  Array.from({ length: n }, (_, i) => ({
    user_id: i,
    event_timestamp: time,
    ...Object.fromEntries(FIELDS.map((f, k) => [f.name, time + i + k / 100])),
  }));

async function failure(promise: Promise<unknown>): Promise<MlstackError> {
  try {
    await promise;
  } catch (error) {
    if (isMlstackError(error)) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

const servers: DedicatedRedis[] = [];
const stores: FeatureStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.stop()));
  await Promise.all(servers.splice(0).map((s) => s.dispose()));
});

async function setUp(extra?: readonly string[]) {
  const server = await DedicatedRedis.start(extra);
  servers.push(server);
  const store = createRedisFeatureStore({
    redis: server.url,
    keyPrefix: "faults",
    offline: new MemoryFeatureStorage(),
    clock: new ManualClock(1_000),
  });
  stores.push(store);
  await store.apply(definitions);
  return { server, store };
}

const read = (store: FeatureStore, n: number) =>
  store.getOnlineFeatures({
    entityRows: Array.from({ length: n }, (_, i) => ({ user_id: i })),
    features: ["stats:f0"],
    columnar: true,
  });

describe.skipIf(!redisServerAvailable)("Redis online storage under faults (dedicated redis-server)", () => {
  it("a push cut off by a killed server fails UNAVAILABLE, reads fail alike, and the store works once it is back", async () => {
    const { server, store } = await setUp();
    await store.push("stats", records(100, 10));
    expect((await read(store, 100)).columns?.f0?.statuses.every((s) => s === "PRESENT")).toBe(true);

    const push = store.push("stats", records(20_000, 20));
    await server.kill();
    const error = await failure(push);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.retryable).toBe(true);
    const down = await failure(read(store, 10));
    expect([down.code, down.retryable]).toEqual(["UNAVAILABLE", true]);

    await server.restart();
    // This server keeps nothing across restarts: the values are gone, the store answers again.
    expect((await read(store, 100)).columns?.f0?.statuses.every((s) => s === "NOT_FOUND")).toBe(true);
    await store.push("stats", records(100, 30));
    const back = await read(store, 100);
    expect(back.columns?.f0?.values[7]).toBe(37);
  });

  it("a batch cut off by a killed server is all there or not there at all after an AOF restart", async () => {
    const { server, store } = await setUp(["--save", "", "--appendonly", "yes", "--appendfsync", "always"]);
    const n = 10_000;
    await store.push("stats", records(n, 10));
    const push = store.push("stats", records(n, 20));
    // Let the batch reach the server before the kill, so the cut falls in the middle of the call.
    await new Promise((r) => setTimeout(r, 30));
    await server.kill();
    const outcome = await push.then(
      () => "written",
      (error: MlstackError) => error.code,
    );
    expect(["written", "UNAVAILABLE"]).toContain(outcome);

    await server.restart();
    const after = await read(store, n);
    const times = new Set(after.columns?.f0?.eventTimes);
    // One event time for every key: the whole second batch, or none of it.
    expect(times.size).toBe(1);
    if (outcome === "written") expect([...times]).toEqual([20]);
    // Retrying the batch is safe: the stale-write rule makes it idempotent.
    await store.push("stats", records(n, 20));
    expect(new Set((await read(store, n)).columns?.f0?.eventTimes)).toEqual(new Set([20]));
  });

  it("a view dropped while Redis is down starts empty when re-created; its old keys are deleted by the next drop", async () => {
    const { server, store } = await setUp(["--save", "", "--appendonly", "yes", "--appendfsync", "always"]);
    await store.push("stats", records(50, 10));
    await server.kill();
    // The drop is a registry change only: it succeeds without Redis, and moves the view to new keys.
    await store.apply({ remove: [{ kind: "featureView", name: "stats" }] });
    await store.apply(definitions);
    await server.restart();
    const raw = new Redis(server.url);
    try {
      expect(await raw.keys("faults:stats:0:*")).toHaveLength(50);
      expect((await read(store, 50)).columns?.f0?.statuses.every((s) => s === "NOT_FOUND")).toBe(true);
      await store.push("stats", records(5, 20));
      await store.apply({ remove: [{ kind: "featureView", name: "stats" }] });
      expect(await raw.keys("faults:stats:*")).toEqual([]);
    } finally {
      raw.disconnect();
    }
  });
});
