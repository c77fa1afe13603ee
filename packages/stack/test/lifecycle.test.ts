import { type BrickRequirement, isMlstackError, MlstackError } from "@mlstack/core";
import { createLinearModelRuntime, createServingEngine } from "@mlstack/serving";
import { describe, expect, it } from "vitest";
import { defineStack, interceptBrick, type Stack, type StackBricks } from "../src/index.js";
import { memoryBricks } from "./fixtures/memory-bricks.js";

type Hook = (method: "start" | "stop") => Promise<void> | undefined;

/**
 * The memory bricks with their start and stop calls logged (`start data`), and a hook per path that
 * can make a call fail or wait.
 */
function loggedBricks(
  log: string[],
  hooks: Record<string, Hook> = {},
  requires: Record<string, BrickRequirement[]> = {},
) {
  const wrap = <B extends object>(path: string, brick: B): B => {
    const intercepted = interceptBrick(
      brick,
      async (call) => {
        log.push(`${call.method} ${path}`);
        await hooks[path]?.(call.method as "start" | "stop");
        return call.proceed();
      },
      { methods: new Set(["start", "stop"]) },
    );
    const needs = requires[path];
    if (needs === undefined) return intercepted;
    return new Proxy(intercepted, {
      get: (target, property) => (property === "requires" ? needs : Reflect.get(target, property)),
    });
  };
  const b = memoryBricks();
  return {
    data: wrap("data", b.data),
    features: wrap("features", b.features),
    training: wrap("training", b.training),
    serving: wrap("serving", b.serving),
    metadata: wrap("metadata", b.metadata),
    monitor: wrap("monitor", b.monitor),
  } satisfies StackBricks;
}

function lifecycleLog(stack: Stack): string[] {
  const events: string[] = [];
  stack.events.on("lifecycle", (e) => events.push(`${e.phase} ${e.path}${e.error ? `: ${e.error.message}` : ""}`));
  return events;
}

const DEFAULT_ORDER = ["metadata", "data", "features", "training", "serving", "monitor"];
const failing =
  (method: "start" | "stop", error: Error): Hook =>
  (m) =>
    m === method ? Promise.reject(error) : undefined;

describe("start() and stop()", () => {
  it("start the MetadataStore first and the Monitor last, and stop in reverse", async () => {
    const log: string[] = [];
    const stack = defineStack(loggedBricks(log));
    const events = lifecycleLog(stack);
    await stack.start();
    expect(log).toEqual(DEFAULT_ORDER.map((p) => `start ${p}`));
    expect(events).toEqual(DEFAULT_ORDER.flatMap((p) => [`starting ${p}`, `started ${p}`]));
    log.length = 0;
    events.length = 0;
    await stack.stop();
    const reverse = [...DEFAULT_ORDER].reverse();
    expect(log).toEqual(reverse.map((p) => `stop ${p}`));
    expect(events).toEqual(reverse.flatMap((p) => [`stopping ${p}`, `stopped ${p}`]));
  });

  it("start a brick after the slots it requires", async () => {
    const log: string[] = [];
    const stack = defineStack(loggedBricks(log, {}, { data: [{ slot: "monitor" }], metadata: [{ slot: "serving" }] }));
    await stack.start();
    // Each step starts the first brick, in the default order, whose required slots have started.
    expect(log).toEqual(["features", "training", "serving", "metadata", "monitor", "data"].map((p) => `start ${p}`));
    log.length = 0;
    await stack.stop();
    expect(log).toEqual(["data", "monitor", "metadata", "serving", "training", "features"].map((p) => `stop ${p}`));
  });

  it("break a cycle of requires by the default order", async () => {
    const log: string[] = [];
    const stack = defineStack(loggedBricks(log, {}, { data: [{ slot: "metadata" }], metadata: [{ slot: "data" }] }));
    await stack.start();
    expect(log).toEqual(["features", "training", "serving", "monitor", "metadata", "data"].map((p) => `start ${p}`));
    await stack.stop();
  });

  it("share one start between concurrent calls, and do nothing when started", async () => {
    const log: string[] = [];
    const stack = defineStack(loggedBricks(log));
    const first = stack.start();
    const second = stack.start();
    await Promise.all([first, second]);
    await stack.start();
    expect(log).toEqual(DEFAULT_ORDER.map((p) => `start ${p}`));
    await stack.stop();
  });

  it("stop the bricks already started, in reverse, when one fails to start, and reject naming it", async () => {
    const log: string[] = [];
    const boom = new Error("port 8080 in use");
    const stack = defineStack(loggedBricks(log, { serving: failing("start", boom) }));
    const events = lifecycleLog(stack);
    const error = await stack.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMlstackError(error, "UNAVAILABLE")).toBe(true);
    const e = error as MlstackError;
    expect(e.message).toContain('could not start serving ("memory"): port 8080 in use');
    expect(e.cause).toBe(boom);
    expect(e.details).toMatchObject({
      path: "serving",
      brick: "memory",
      rolledBack: ["training", "features", "data", "metadata"],
    });
    expect(log).toEqual([
      ...["metadata", "data", "features", "training", "serving"].map((p) => `start ${p}`),
      ...["training", "features", "data", "metadata"].map((p) => `stop ${p}`),
    ]);
    expect(events.slice(-5)).toEqual([
      "failed serving: port 8080 in use",
      "rolled-back training",
      "rolled-back features",
      "rolled-back data",
      "rolled-back metadata",
    ]);
  });

  it("start again from the first brick after a failed start", async () => {
    const log: string[] = [];
    let fail = true;
    // The memory bricks that can start again once stopped (the others close for good).
    const { data, training, monitor } = loggedBricks(log, {
      monitor: (m) => (fail ? failing("start", new Error("port 8080 in use"))(m) : undefined),
    });
    const stack = defineStack({ data, training, monitor }, { lineage: { enabled: false } });
    await expect(stack.start()).rejects.toThrow("port 8080 in use");
    fail = false;
    log.length = 0;
    await stack.start();
    expect(log).toEqual(["data", "training", "monitor"].map((p) => `start ${p}`));
    await stack.stop();
  });

  it("keep the code of a brick's MlstackError and report a rollback that fails too", async () => {
    const log: string[] = [];
    const stack = defineStack(
      loggedBricks(log, {
        monitor: failing("start", new MlstackError("PERMISSION_DENIED", "bad credentials")),
        data: failing("stop", new Error("disk gone")),
      }),
    );
    const error = await stack.start().catch((e: unknown) => e);
    expect(isMlstackError(error, "PERMISSION_DENIED")).toBe(true);
    expect((error as MlstackError).message).toContain("monitor");
    expect((error as MlstackError).message).toContain("data failed to stop too");
    expect((error as MlstackError).details).toMatchObject({
      path: "monitor",
      rolledBack: ["serving", "training", "features", "metadata"],
      rollbackFailures: [{ path: "data", message: "disk gone" }],
    });
  });

  it("stop every brick even when some fail, then reject naming every failure", async () => {
    const log: string[] = [];
    const stack = defineStack(
      loggedBricks(log, {
        serving: failing("stop", new Error("drain timed out")),
        data: failing("stop", new Error("disk gone")),
      }),
    );
    const events = lifecycleLog(stack);
    await stack.start();
    log.length = 0;
    const error = await stack.stop().catch((e: unknown) => e);
    expect(log).toEqual([...DEFAULT_ORDER].reverse().map((p) => `stop ${p}`));
    expect(isMlstackError(error)).toBe(true);
    const e = error as MlstackError;
    expect(e.message).toContain("serving: drain timed out");
    expect(e.message).toContain("data: disk gone");
    expect(e.details.failures).toEqual([
      { path: "serving", message: "drain timed out" },
      { path: "data", message: "disk gone" },
    ]);
    expect(e.cause).toBeInstanceOf(AggregateError);
    expect(events).toContain("failed serving: drain timed out");
    expect(events).toContain("stopped monitor");
    expect(events).toContain("stopped metadata");
  });

  it("make a second stop do nothing, and start again after a stop", async () => {
    const log: string[] = [];
    // The memory bricks that can start again once stopped (the others close for good).
    const { data, training, monitor } = loggedBricks(log);
    const stack = defineStack({ data, training, monitor }, { lineage: { enabled: false } });
    const order = ["data", "training", "monitor"];
    await stack.start();
    await Promise.all([stack.stop(), stack.stop()]);
    await stack.stop();
    expect(log.filter((l) => l.startsWith("stop"))).toHaveLength(3);
    log.length = 0;
    await stack.start();
    expect(log).toEqual(order.map((p) => `start ${p}`));
    await stack.stop();
  });

  it("stop a stack that was never started (bricks may hold resources from first use)", async () => {
    const log: string[] = [];
    const stack = defineStack(loggedBricks(log));
    await stack.stop();
    expect(log).toEqual([...DEFAULT_ORDER].reverse().map((p) => `stop ${p}`));
  });

  it("let a stop wait for a start in progress", async () => {
    const log: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stack = defineStack(loggedBricks(log, { training: (m) => (m === "start" ? gate : undefined) }));
    const starting = stack.start();
    const stopping = stack.stop();
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(["metadata", "data", "features", "training"].map((p) => `start ${p}`));
    release();
    await Promise.all([starting, stopping]);
    expect(log).toEqual([
      ...DEFAULT_ORDER.map((p) => `start ${p}`),
      ...[...DEFAULT_ORDER].reverse().map((p) => `stop ${p}`),
    ]);
  });

  it("write pending lineage into the MetadataStore before stopping it", async () => {
    const timeline: string[] = [];
    const b = memoryBricks();
    // A slow MetadataStore: every write lands 20 ms after it is called.
    const metadata = interceptBrick(b.metadata, async (call) => {
      if (call.method === "stop") timeline.push("stop metadata");
      if (["start", "stop", "health", "on", "off", "once"].includes(call.method)) return call.proceed();
      await new Promise((r) => setTimeout(r, 20));
      const result = await call.proceed();
      timeline.push(`wrote ${call.method}`);
      return result;
    });
    const stack = defineStack({ data: b.data, metadata });
    await stack.start();
    await stack.data.createRepo("loans");
    await stack.data.commit("loans", "main", (tx) => tx.put("a.csv", "id\n1\n").then(() => undefined), {
      message: "first rows",
    });
    expect(timeline).toEqual([]);
    await stack.stop();
    expect(timeline.length).toBeGreaterThan(1);
    expect(timeline.slice(0, -1).every((t) => t.startsWith("wrote "))).toBe(true);
    expect(timeline.at(-1)).toBe("stop metadata");
  });

  it("stop with `await using`", async () => {
    const log: string[] = [];
    {
      await using stack = defineStack(loggedBricks(log));
      await stack.start();
      log.length = 0;
    }
    expect(log).toEqual([...DEFAULT_ORDER].reverse().map((p) => `stop ${p}`));
  });

  it("name named bricks by their path in events", async () => {
    const b = memoryBricks();
    const canary = createServingEngine({ runtimes: [createLinearModelRuntime()] });
    const stack = defineStack({
      metadata: b.metadata,
      serving: { bricks: { main: b.serving, canary }, default: "main" },
    });
    const events = lifecycleLog(stack);
    await stack.start();
    expect(events).toEqual([
      "starting metadata",
      "started metadata",
      "starting serving.main",
      "started serving.main",
      "starting serving.canary",
      "started serving.canary",
    ]);
    await stack.stop();
    expect(events.slice(-2)).toEqual(["stopping metadata", "stopped metadata"]);
  });

  it("keep going when a lifecycle listener throws", async () => {
    const log: string[] = [];
    const stack = defineStack(loggedBricks(log));
    stack.events.on("lifecycle", () => {
      throw new Error("listener bug");
    });
    await stack.start();
    await stack.stop();
    expect(log).toHaveLength(12);
  });
});
