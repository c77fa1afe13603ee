import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Definitions, FeatureStore, OnlineRecord } from "@mlstack/features";
import { createMemoryFeatureStore } from "@mlstack/features";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteFeatureStore, SqliteFeatureStorage } from "../../src/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mlstack-sqlite-materialize-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const definitions: Definitions = {
  entities: [{ name: "customer", joinKeys: [{ name: "customer_id", type: "string" }] }],
  featureViews: [
    {
      name: "all",
      entities: ["customer"],
      schema: {
        fields: [
          { name: "big", type: "int64" },
          { name: "f64", type: "float64" },
          { name: "nan", type: "float64" },
          { name: "s", type: "string" },
          { name: "y", type: "bytes" },
          { name: "v", type: "vector", length: 3 },
          { name: "n", type: "string", nullable: true },
        ],
      },
    },
  ],
};

// Rows whose values JSON alone would lose, several per key so only the latest must go online.
const records = Array.from({ length: 30 }, (_, i) => ({
  customer_id: `c${i % 7}`,
  event_timestamp: (i * 37) % 100,
  big: 2n ** 62n + BigInt(i),
  f64: i % 2 ? -0 : Number.POSITIVE_INFINITY,
  nan: Number.NaN,
  s: `ünïcødé "$n" ${i}`,
  y: new Uint8Array([0, i, 255]),
  v: new Float32Array([1, i, -3]),
  n: i % 3 ? null : `x${i}`,
}));

async function materialized(store: FeatureStore) {
  await store.apply(definitions);
  await store.ingest("all", records);
  const result = await store.materialize({ start: 0, end: 100 });
  const online = await store.getOnlineFeatures({
    entityRows: Array.from({ length: 7 }, (_, i) => ({ customer_id: `c${i}` })),
    features: ["all"],
  });
  await store.stop();
  return { result: result.views, rows: online.rows };
}

describe("sqlite feature store: materialization", () => {
  it("puts online exactly the values the memory store does, including those JSON alone would lose", async () => {
    const sqlite = await materialized(createSqliteFeatureStore({ filename: join(dir, "f.db") }));
    const memory = await materialized(createMemoryFeatureStore());
    expect(sqlite).toEqual(memory);
    const f64 = sqlite.rows?.map((row) => row.values.f64);
    expect(f64?.some((value) => Object.is(value, -0))).toBe(true);
    // c0 has rows 0, 7, 14, 21, 28 at times 0, 59, 18, 77, 36: row 21 is the latest.
    expect(sqlite.rows?.[0]?.values.big).toBe(2n ** 62n + 21n);
  });

  it("writes online records across several upsert statements under the stale-write rule", async () => {
    const storage = SqliteFeatureStorage.open(join(dir, "f.db"));
    const layout = { name: "v", fields: [{ name: "x", type: "float64" as const }] };
    const record = (i: number, eventTime: number): OnlineRecord => ({
      key: `k${i}`,
      eventTime,
      createdTime: 0,
      values: [i * eventTime],
    });
    // 250 records: two full statements and a shorter one.
    const first = Array.from({ length: 250 }, (_, i) => record(i, 10));
    expect(await storage.writeOnline(layout, first)).toEqual({ written: 250, ignored: 0 });
    // Keys 0-99 older (ignored), 100-199 equal (ignored), 200-299 newer or new (written).
    const second = Array.from({ length: 300 }, (_, i) => record(i, i < 100 ? 5 : i < 200 ? 10 : 20));
    expect(await storage.writeOnline(layout, second)).toEqual({ written: 100, ignored: 200 });
    const read = await storage.readOnline(layout, ["k0", "k150", "k249", "k299", "k300"]);
    expect(read.map((r) => r?.values[0])).toEqual([0, 1500, 249 * 20, 299 * 20, undefined]);
    expect(read.map((r) => r?.eventTime)).toEqual([10, 10, 20, 20, undefined]);
    expect(await storage.writeOnline(layout, [])).toEqual({ written: 0, ignored: 0 });
    await storage.close();
  });
});
