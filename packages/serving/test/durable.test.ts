import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createServingEngine, FileServingStorage } from "../src/index.js";
import { createConformanceKit, PAIR_SIGNATURE } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlstack-serving-durable-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("file storage across restarts", () => {
  it("restores deployments with their revision history and traffic", async () => {
    const root = mkdtempSync(join(dir, "a-"));
    const kit = createConformanceKit();
    const first = createServingEngine({ ...kit.deps, storage: new FileServingStorage(root) });
    expect(first.capabilities.durable).toBe(true);
    await first.deploy({
      name: "m",
      runtime: "function",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "double" },
    });
    await first.update("m", { model: { kind: "function", name: "triple" }, concurrency: 2 });
    await first.stop();

    await using second = createServingEngine({ ...kit.deps, storage: new FileServingStorage(root) });
    await second.start();
    const status = await second.status("m");
    expect(status).toMatchObject({ revision: 2, ready: true, revisions: [1, 2] });
    expect((await second.spec("m")).concurrency).toBe(2);
    const r = await second.predict("m", { inputs: [{ name: "x", datatype: "FP64", shape: [1, 2], data: [1, 1] }] });
    expect(r.model_version).toBe("triple");
    await second.rollback("m");
    expect((await second.status("m")).revisions).toEqual([1, 2, 3]);
  });

  it("a deployment that cannot load on restart is reported failed and keeps the server not ready", async () => {
    const root = mkdtempSync(join(dir, "b-"));
    const kit = createConformanceKit();
    const first = createServingEngine({ ...kit.deps, storage: new FileServingStorage(root) });
    await first.deploy({
      name: "m",
      runtime: "function",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "double" },
    });
    await first.stop();
    // Restarted without the function runtime: the stored deployment cannot load.
    await using second = createServingEngine({ storage: new FileServingStorage(root), runtimes: [] });
    await second.start();
    expect(await second.status("m")).toMatchObject({ state: "failed", ready: false });
    expect(await second.serverReady()).toBe(false);
    expect((await second.health()).status).toBe("degraded");
    await expect(second.predict("m", { inputs: [] })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await second.undeploy("m");
    expect(await second.list()).toEqual([]);
  });

  it("a stopped engine refuses calls", async () => {
    const engine = createServingEngine();
    await engine.stop();
    await engine.stop();
    await expect(engine.list()).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(await engine.serverLive()).toBe(false);
  });
});

describe("stop during a deploy", () => {
  it("unloads what the deploy loaded and refuses it", async () => {
    const kit = createConformanceKit();
    const engine = createServingEngine(kit.deps);
    const deploying = engine.deploy({
      name: "slow",
      runtime: "gated-load",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "double" },
    });
    await expect.poll(async () => (await engine.list()).length).toBe(1);
    const stopped = engine.stop();
    kit.loadGate.open();
    await expect(deploying).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await stopped;
    expect(await engine.serverReady()).toBe(false);
  });
});
