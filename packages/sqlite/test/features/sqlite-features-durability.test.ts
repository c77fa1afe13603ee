import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMlstackError, ManualClock } from "@mlstack/core";
import type { Definitions } from "@mlstack/features";
import { decodeValues, encodeValues } from "@mlstack/features";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteFeatureStore, SqliteFeatureStorage } from "../../src/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mlstack-sqlite-features-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const definitions: Definitions = {
  entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" }] }],
  featureViews: [{ name: "clicks", entities: ["user"], schema: { fields: [{ name: "n", type: "int32" }] } }],
  onDemandFeatureViews: [
    {
      name: "doubled",
      sources: ["clicks:n"],
      schema: { fields: [{ name: "n2", type: "int32", nullable: true }] },
      transform: (inputs) => ({ n2: inputs["clicks:n"] === null ? null : (inputs["clicks:n"] as number) * 2 }),
    },
  ],
};

describe("sqlite feature store: durability and concurrency", () => {
  it("keeps registry, offline rows, online values and watermarks across reopening", async () => {
    const filename = join(dir, "f.db");
    const first = createSqliteFeatureStore({ filename, clock: new ManualClock(100) });
    await first.apply(definitions);
    await first.ingest("clicks", [{ user_id: 1, event_timestamp: 10, n: 3 }]);
    await first.materializeIncremental({ end: 50 });
    await first.stop();

    const again = createSqliteFeatureStore({ filename, clock: new ManualClock(100) });
    expect((await again.listDefinitions()).featureViews.map((v) => v.name)).toEqual(["clicks"]);
    const online = await again.getOnlineFeatures({ entityRows: [{ user_id: 1 }], features: ["clicks:n"] });
    expect(online.rows?.[0]?.values.n).toBe(3);
    const incremental = await again.materializeIncremental({ end: 60 });
    expect(incremental.views[0]).toMatchObject({ start: 50, end: 60, rows: 0 });
    // A transform is code: a new process must apply it again before using the on-demand view.
    const error = await again
      .getOnlineFeatures({ entityRows: [{ user_id: 1 }], features: ["doubled:n2"] })
      .catch((e) => e);
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    expect((await again.apply(definitions)).unchanged).toBe(true);
    const doubled = await again.getOnlineFeatures({ entityRows: [{ user_id: 1 }], features: ["doubled:n2"] });
    expect(doubled.rows?.[0]?.values.n2).toBe(6);
    await again.stop();
  });

  it("keeps the stale-write rule between two connections writing at once", async () => {
    const filename = join(dir, "f.db");
    const a = createSqliteFeatureStore({ filename });
    const b = createSqliteFeatureStore({ filename });
    await a.apply(definitions);
    const writes: Promise<unknown>[] = [];
    const newest = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const user = i % 7;
      const time = (i * 7919) % 1000;
      if (time > (newest.get(user) ?? -1)) newest.set(user, time);
      writes.push((i % 2 ? a : b).push("clicks", [{ user_id: user, event_timestamp: time, n: time }]));
    }
    await Promise.all(writes);
    const read = await b.getOnlineFeatures({
      entityRows: [...newest.keys()].map((user_id) => ({ user_id })),
      features: ["clicks:n"],
    });
    expect(read.rows?.map((r) => r.values.n)).toEqual([...newest.values()]);
    await a.stop();
    await b.stop();
  });

  it("refuses a registry commit planned on an old version (CONFLICT)", async () => {
    const filename = join(dir, "f.db");
    const a = SqliteFeatureStorage.open(filename);
    const b = SqliteFeatureStorage.open(filename);
    const snapshot = (await a.readRegistry()).snapshot;
    await a.commitRegistry(snapshot, 0, []);
    const error = await b.commitRegistry(snapshot, 0, []).catch((e) => e);
    expect(isMlstackError(error, "CONFLICT")).toBe(true);
    expect(await b.registryVersion()).toBe(1);
    await a.close();
    await b.close();
  });

  it("resumes a materialization killed between batches: the watermark had not moved", async () => {
    const filename = join(dir, "f.db");
    const rows = 50_000;
    const store = createSqliteFeatureStore({ filename });
    await store.apply(definitions);
    await store.ingest(
      "clicks",
      Array.from({ length: rows }, (_, i) => ({ user_id: i, event_timestamp: 10, n: i % 1000 })),
    );
    await store.stop();

    const child = spawn(
      process.execPath,
      [
        "--conditions=@mlstack/source",
        "--import",
        "tsx",
        fileURLToPath(new URL("./fixtures/materialize-child.ts", import.meta.url)),
        filename,
        "100",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const killedAfter = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (text: string) => {
        const match = /done (\d+)/.exec(text);
        if (match) {
          child.kill("SIGKILL");
          resolve(Number(match[1]));
        }
        if (text.includes("finished")) reject(new Error("the child finished before it could be killed"));
      });
      child.on("error", reject);
    });
    await new Promise((resolve) => child.on("exit", resolve));
    expect(killedAfter).toBeGreaterThan(0);
    expect(killedAfter).toBeLessThan(rows);

    const again = createSqliteFeatureStore({ filename });
    const resumed = await again.materializeIncremental({ end: 100 });
    expect(resumed.views[0]).toMatchObject({ rows, end: 100 });
    expect(resumed.views[0]?.ignored).toBeGreaterThanOrEqual(killedAfter);
    expect((resumed.views[0]?.written ?? 0) + (resumed.views[0]?.ignored ?? 0)).toBe(rows);
    const sample = [0, 12_345, rows - 1].map((user_id) => ({ user_id }));
    const read = await again.getOnlineFeatures({ entityRows: sample, features: ["clicks:n"] });
    expect(read.rows?.map((r) => r.values.n)).toEqual([0, 345, (rows - 1) % 1000]);
    const next = await again.materializeIncremental({ end: 200 });
    expect(next.views[0]).toMatchObject({ start: 100, rows: 0 });
    await again.stop();
  });
});

describe("sqlite value codec", () => {
  it("round-trips what JSON alone would lose", () => {
    const values = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      2n ** 63n,
      new Uint8Array([1, 2]),
      [1.5, -2],
      "$n",
      null,
      true,
    ];
    const decoded = decodeValues(encodeValues(values));
    expect(decoded).toEqual(values);
    expect(Object.is(decoded[2], -0)).toBe(true);
    expect(decodeValues(encodeValues([1, "a", null]))).toEqual([1, "a", null]);
  });
});
