// Redis FeatureStore online reads: 100 entity rows × 50 features through the whole FeatureStore (request
// validation, key encoding, the Redis read, decoding, statuses, row objects) against a bare ioredis
// pipeline of HMGETs of the same keys and of the field the store needs (`v`, the encoded record),
// measured in alternating blocks in the same run.
// Needs Redis at MLSTACK_TEST_REDIS_URL (default redis://127.0.0.1:6379); its keys are removed after.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createRandom } from "@mlstack/core";
import { MemoryFeatureStorage } from "@mlstack/features";
import { Redis } from "ioredis";
import { createRedisFeatureStore } from "../packages/redis/src/index.js";
import { deleteKeysMatching, escapeGlob } from "../packages/redis/src/keys.js";
import type { BenchRow } from "./harness.js";
import { percentile } from "./harness.js";

const URL = process.env.MLSTACK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const ENTITIES = 10_000;
const ROWS = 100;
const FEATURES = Array.from({ length: 50 }, (_, i) => `f${i}`);
const CALLS = 4_000;
const BLOCK = 200;

export default async function redisBench(): Promise<BenchRow[]> {
  const prefix = `mlstack-bench:${randomUUID()}`;
  const store = createRedisFeatureStore({ redis: URL, keyPrefix: prefix, offline: new MemoryFeatureStorage() });
  const bare = new Redis(URL);
  try {
    await store.apply({
      entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" }] }],
      featureViews: [
        {
          name: "stats",
          entities: ["user"],
          schema: { fields: FEATURES.map((name) => ({ name, type: "float64" as const })) },
        },
      ],
    });
    const random = createRandom(7);
    for (let start = 0; start < ENTITIES; start += 2_000) {
      const records = Array.from({ length: 2_000 }, (_, i) => ({
        user_id: start + i,
        event_timestamp: 1_700_000_000_000,
        ...Object.fromEntries(FEATURES.map((f) => [f, random.next()])),
      }));
      await store.push("stats", records);
    }
    const requests = Array.from({ length: 64 }, () =>
      Array.from({ length: ROWS }, () => ({ user_id: random.int(0, ENTITIES - 1) })),
    );
    const features = FEATURES.map((f) => `stats:${f}`);
    const keyOf = (id: number) => `${prefix}:stats:0:k:${id}`;

    let sink = 0;
    const ours = async (i: number) => {
      const answer = await store.getOnlineFeatures({ entityRows: requests[i % requests.length] ?? [], features });
      sink += answer.rows?.length ?? 0;
    };
    const baseline = async (i: number) => {
      const pipeline = bare.pipeline();
      for (const row of requests[i % requests.length] ?? []) pipeline.hmgetBuffer(keyOf(row.user_id), "v");
      sink += (await pipeline.exec())?.length ?? 0;
    };
    // Warm up both, and check that the baseline reads what the store stored.
    for (let i = 0; i < 300; i++) {
      await ours(i);
      await baseline(i);
    }
    if ((await bare.exists(keyOf(0))) !== 1) throw new Error("the baseline keys do not match the store's");

    const latencies: { ours: number[]; bare: number[] } = { ours: [], bare: [] };
    const elapsed = { ours: 0, bare: 0 };
    for (let block = 0; block < CALLS / BLOCK; block++) {
      for (const [name, fn] of [
        ["ours", ours],
        ["bare", baseline],
      ] as const) {
        const t0 = performance.now();
        for (let i = 0; i < BLOCK; i++) {
          const s = performance.now();
          await fn(block * BLOCK + i);
          latencies[name].push(performance.now() - s);
        }
        elapsed[name] += performance.now() - t0;
      }
    }
    if (sink === 0) throw new Error("unreachable");
    const p50 = { ours: percentile(latencies.ours, 50), bare: percentile(latencies.bare, 50) };
    const p99 = { ours: percentile(latencies.ours, 99), bare: percentile(latencies.bare, 99) };
    const rate = { ours: CALLS / (elapsed.ours / 1000), bare: CALLS / (elapsed.bare / 1000) };
    const label = `${ROWS} rows × ${FEATURES.length} features`;
    const note = "one connection, sequential calls, loopback; offline rows and registry in memory";
    return [
      {
        benchmark: `Redis online read via FeatureStore, ${label}: p99 latency`,
        value: p99.ours,
        unit: "ms",
        baseline: "bare ioredis pipelined HMGET of the same keys, p99",
        baselineValue: p99.bare,
        ratio: p99.ours / p99.bare,
        target: "p99 < 2 ms",
        met: p99.ours < 2,
        note,
      },
      {
        // Throughput over whole blocks includes the machine's pauses, which hit both sides alike; the
        // median shows the per-call cost without them.
        benchmark: `Redis online read via FeatureStore, ${label}: p50 latency`,
        value: p50.ours,
        unit: "ms",
        baseline: "bare ioredis pipelined HMGET of the same keys, p50",
        baselineValue: p50.bare,
        ratio: p50.ours / p50.bare,
        note: `${note}; the FeatureStore engine's own work per call (selection, statuses, 300 row objects of 50 keys) is about what the memory store takes for the same call`,
      },
      {
        benchmark: `Redis online read via FeatureStore, ${label}: throughput`,
        value: rate.ours,
        unit: "reads/s",
        baseline: "bare ioredis pipelined HMGET of the same keys",
        baselineValue: rate.bare,
        ratio: rate.ours / rate.bare,
        target: "ratio >= 0.7",
        met: rate.ours / rate.bare >= 0.7,
        note,
      },
    ];
  } finally {
    await store.stop();
    await deleteKeysMatching(bare, `${escapeGlob(prefix)}*`);
    bare.disconnect();
  }
}
