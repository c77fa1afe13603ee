import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteMonitor } from "../../src/monitor/index.js";

const child = fileURLToPath(new URL("./fixtures/log-child.ts", import.meta.url));
const deployment = { kind: "deployment", name: "churn" } as const;
const schema = {
  fields: [
    { name: "x", type: "float64" as const },
    { name: "plan", type: "string" as const },
  ],
};
const at = Date.UTC(2026, 0, 1);

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--conditions=@mlstack/source", "--import", "tsx", child, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
}

const exited = (p: ChildProcess) => new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));
const ready = (p: ChildProcess) =>
  new Promise<void>((resolve) => p.stdout?.on("data", (d: Buffer) => d.toString().includes("ready") && resolve()));

describe("sqlite monitor across processes", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mlstack-sqlite-monitor-mp-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function prepare(file: string) {
    const m = createSqliteMonitor({ filename: file });
    await m.registerDeployment({ deployment, schema, windowMs: 3_600_000 });
    await m.stop();
  }

  async function consistency(file: string) {
    const m = createSqliteMonitor({ filename: file });
    const window = await m.windowAt(deployment, at);
    const profile = await m.profile(window);
    const quality = await m.quality(window);
    await m.stop();
    return { profileRows: profile.rows, records: quality.rows, plan: profile.columns.plan };
  }

  it("two processes logging into one file lose no counts", async () => {
    const file = join(dir, "m.db");
    await prepare(file);
    const codes = await Promise.all([exited(run([file, "12", "a"])), exited(run([file, "12", "b"]))]);
    expect(codes).toEqual([0, 0]);
    const { profileRows, records, plan } = await consistency(file);
    expect(profileRows).toBe(2 * 12 * 25);
    expect(records).toBe(profileRows);
    expect(new Map(plan?.frequent?.counts)).toEqual(
      new Map([
        ["a", 300],
        ["b", 300],
      ]),
    );
  }, 30_000);

  it("a process killed while logging leaves rows and profiles consistent (no half batch)", async () => {
    const file = join(dir, "m.db");
    await prepare(file);
    const p = run([file, "0", "k"]);
    await ready(p);
    await new Promise((r) => setTimeout(r, 150));
    p.kill("SIGKILL");
    await exited(p);
    const { profileRows, records } = await consistency(file);
    expect(profileRows).toBeGreaterThanOrEqual(25);
    expect(profileRows % 25).toBe(0);
    expect(records).toBe(profileRows);
  }, 30_000);
});
