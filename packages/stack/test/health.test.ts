import type { HealthStatus } from "@mlstack/core";
import { createServingEngine } from "@mlstack/serving";
import { describe, expect, it } from "vitest";
import { defineStack, interceptBrick } from "../src/index.js";
import { memoryBricks } from "./fixtures/memory-bricks.js";

/** The brick with its `health()` answered by `probe` instead. */
const probing = <B extends object>(brick: B, probe: () => Promise<HealthStatus>): B =>
  interceptBrick(brick, (call) => (call.method === "health" ? probe() : call.proceed()));

const never = () => new Promise<HealthStatus>(() => {});

describe("checkHealth()", () => {
  it("reports every brick, by slot and path, with its latency", async () => {
    const stack = defineStack(memoryBricks());
    const report = await stack.checkHealth();
    expect(report.status).toBe("ok");
    expect(report.bricks.map((b) => [b.slot, b.name, b.path, b.status])).toEqual(
      ["data", "features", "training", "serving", "metadata", "monitor"].map((s) => [s, "default", s, "ok"]),
    );
    for (const b of report.bricks) expect(b.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("reports a brick's own answer: a stopped ServingEngine is down", async () => {
    const b = memoryBricks();
    const stack = defineStack(b);
    await b.serving.stop();
    const report = await stack.checkHealth();
    expect(report.status).toBe("down");
    expect(report.bricks.find((x) => x.path === "serving")?.status).toBe("down");
    expect(report.bricks.filter((x) => x.status === "ok")).toHaveLength(5);
  });

  it("times out each probe on its own, concurrently, with real timers", async () => {
    const b = memoryBricks();
    const stack = defineStack({ ...b, data: probing(b.data, never), monitor: probing(b.monitor, never) });
    const started = performance.now();
    const report = await stack.checkHealth({ timeoutMs: 200 });
    const elapsed = performance.now() - started;
    expect(report.status).toBe("down");
    for (const path of ["data", "monitor"]) {
      const brick = report.bricks.find((x) => x.path === path);
      expect(brick).toMatchObject({ status: "down", detail: "timed out after 200 ms" });
      expect(brick?.latencyMs).toBeGreaterThanOrEqual(190);
    }
    expect(report.bricks.find((x) => x.path === "features")?.status).toBe("ok");
    // Both waited at once: about one timeout, not two.
    expect(elapsed).toBeLessThan(390);
  });

  it("takes the default timeout from the stack's healthTimeoutMs", async () => {
    const b = memoryBricks();
    const stack = defineStack({ ...b, training: probing(b.training, never) }, { healthTimeoutMs: 40 });
    const report = await stack.checkHealth();
    expect(report.bricks.find((x) => x.path === "training")?.detail).toBe("timed out after 40 ms");
  });

  it("reports a throwing probe as down with its message, credentials masked", async () => {
    const b = memoryBricks();
    const stack = defineStack({
      ...b,
      metadata: probing(b.metadata, async () => {
        throw new Error("connect ECONNREFUSED postgres://mlstack:hunter2@10.0.0.5:5432/mlstack");
      }),
    });
    const report = await stack.checkHealth();
    const metadata = report.bricks.find((x) => x.path === "metadata");
    expect(metadata).toMatchObject({ status: "down" });
    expect(metadata?.detail).toBe("connect ECONNREFUSED postgres://***@10.0.0.5:5432/mlstack");
    expect(JSON.stringify(report)).not.toContain("hunter2");
  });

  it("is degraded when a brick is degraded and none is down", async () => {
    const b = memoryBricks();
    const stack = defineStack({
      ...b,
      serving: probing(b.serving, async () => ({ status: "degraded", detail: "1 deployment failed to load" })),
    });
    const report = await stack.checkHealth();
    expect(report.status).toBe("degraded");
    expect(report.bricks.find((x) => x.path === "serving")).toMatchObject({
      status: "degraded",
      detail: "1 deployment failed to load",
    });
  });

  it("says so when a brick has no probe, and when a probe answers nonsense", async () => {
    const b = memoryBricks();
    const noProbe = new Proxy(b.features, {
      get: (target, property) => (property === "health" ? undefined : Reflect.get(target, property)),
    });
    const stack = defineStack({
      ...b,
      features: noProbe,
      data: probing(b.data, async () => ({ status: "fine" }) as unknown as HealthStatus),
    });
    const report = await stack.checkHealth();
    expect(report.bricks.find((x) => x.path === "features")).toMatchObject({
      status: "ok",
      detail: "no health probe (assumed ok)",
    });
    expect(report.bricks.find((x) => x.path === "data")).toMatchObject({
      status: "down",
      detail: "the probe answered no status",
    });
  });

  it("refuses a bad timeout with INVALID_ARGUMENT", async () => {
    const stack = defineStack(memoryBricks());
    for (const timeoutMs of [0, -5, 1.5, Number.NaN, 10_000_000]) {
      await expect(stack.checkHealth({ timeoutMs })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
  });

  it("names named bricks by their path", async () => {
    const b = memoryBricks();
    const stack = defineStack({
      serving: {
        bricks: { main: b.serving, canary: probing(createServingEngine(), never) },
        default: "main",
      },
    });
    const report = await stack.checkHealth({ timeoutMs: 20 });
    expect(report.bricks.map((x) => `${x.path} ${x.status}`)).toEqual(["serving.main ok", "serving.canary down"]);
  });
});
