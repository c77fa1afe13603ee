import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ManualClock } from "@mlstack/core";
import { type DriftGolden, expectCode, monitorConformance } from "@mlstack/monitor/testing";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteMonitor } from "../../src/monitor/index.js";

const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../../../shared/golden/drift.json", import.meta.url)), "utf8"),
) as DriftGolden;

const root = mkdtempSync(join(tmpdir(), "mlstack-sqlite-monitor-"));
let counter = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

monitorConformance({
  name: "sqlite (file)",
  golden,
  create: async ({ clock }) => createSqliteMonitor({ filename: join(root, `m${++counter}.db`), clock }),
});

monitorConformance({
  name: "sqlite (:memory:)",
  create: async ({ clock }) => createSqliteMonitor({ filename: ":memory:", clock }),
});

const HOUR = 3_600_000;
const deployment = { kind: "deployment", name: "churn" } as const;
const schema = {
  fields: [
    { name: "x", type: "float64" as const },
    { name: "plan", type: "string" as const },
  ],
};

describe("sqlite monitor persistence", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mlstack-sqlite-monitor-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps deployments, references, rows, labels, profiles and alert state across a reopen", async () => {
    const file = join(dir, "m.db");
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = createSqliteMonitor({ filename: file, clock });
    await first.registerDeployment({ deployment, schema, windowMs: HOUR, prediction: { task: "classification" } });
    await first.setReference(deployment, {
      rows: Array.from({ length: 40 }, (_, i) => ({ x: i, plan: i % 2 ? "a" : "b" })),
      trainingSet: { kind: "training-set", id: "ts", contentHash: "h" },
    });
    await first.log(
      deployment,
      Array.from({ length: 40 }, (_, i) => ({
        features: { x: i + 100, plan: "a" },
        prediction: 1,
        requestId: `r${i}`,
      })),
    );
    await first.logLabels(deployment, [{ requestId: "r1", label: 1 }]);
    await first.putAlertRule({
      id: "rows",
      deployment,
      name: "rows",
      metric: "row_count",
      comparison: ">",
      threshold: 1,
    });
    await first.evaluateAlerts(deployment);
    const window = await first.windowAt(deployment, clock.now());
    const before = { profile: await first.profile(window), drift: await first.drift(window) };
    await first.stop();

    const fired: string[] = [];
    const second = createSqliteMonitor({ filename: file, clock });
    second.events.on("alert.firing", (e) => fired.push(e.rule.id));
    expect((await second.getReference(deployment)).lineage).toEqual([
      { kind: "training-set", id: "ts", contentHash: "h" },
    ]);
    expect(await second.profile(window)).toEqual(before.profile);
    const after = await second.drift(window);
    expect(after.columns).toEqual(before.drift.columns);
    expect(await second.performance(window)).toMatchObject({ count: 1, accuracy: 1 });
    // The alert was already firing before the reopen: it does not fire again.
    expect(await second.evaluateAlerts(deployment)).toMatchObject([{ state: "firing" }]);
    expect(fired).toEqual([]);
    await second.stop();
  });

  it("two monitors on one file log concurrently without losing counts", async () => {
    const file = join(dir, "shared.db");
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = createSqliteMonitor({ filename: file, clock });
    await a.registerDeployment({ deployment, schema, windowMs: HOUR });
    const b = createSqliteMonitor({ filename: file, clock });
    const batch = (k: number) => Array.from({ length: 25 }, (_, i) => ({ features: { x: k * 100 + i, plan: "a" } }));
    await Promise.all(Array.from({ length: 20 }, (_, k) => (k % 2 ? a : b).log(deployment, batch(k))));
    const profile = await a.profile(await a.windowAt(deployment, clock.now()));
    expect(profile.rows).toBe(500);
    expect(profile.columns.x).toMatchObject({ valid: 500, min: 0, max: 1924 });
    await a.stop();
    await b.stop();
  });

  it("two monitors on one file evaluating the same rule fire it once", async () => {
    const file = join(dir, "alerts.db");
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = createSqliteMonitor({ filename: file, clock });
    const b = createSqliteMonitor({ filename: file, clock });
    await a.registerDeployment({ deployment, schema, windowMs: HOUR });
    await a.putAlertRule({ id: "rows", deployment, name: "rows", metric: "row_count", comparison: ">", threshold: 1 });
    await a.log(deployment, [{ features: { x: 1, plan: "a" } }, { features: { x: 2, plan: "b" } }]);
    const fired: string[] = [];
    a.events.on("alert.firing", () => fired.push("a"));
    b.events.on("alert.firing", () => fired.push("b"));
    const [sa, sb] = await Promise.all([a.evaluateAlerts(deployment), b.evaluateAlerts(deployment)]);
    expect(fired).toHaveLength(1);
    expect(sa).toEqual(sb);
    expect(sa).toMatchObject([{ ruleId: "rows", state: "firing" }]);
    await a.stop();
    await b.stop();
  });

  it("refuses a file written by a newer monitor schema, and maps a closed store to UNAVAILABLE", async () => {
    const file = join(dir, "m.db");
    const m = createSqliteMonitor({ filename: file });
    await m.stop();
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(file);
    db.prepare("UPDATE mlstack_schema SET version = 99 WHERE component = 'monitor'").run();
    db.close();
    expect(() => createSqliteMonitor({ filename: file })).toThrowError(/newer than this library knows/);
    await expectCode(m.listDeployments(), "UNAVAILABLE");
  });
});
