import { isMlstackError, ManualClock, type MlstackError } from "@mlstack/core";
import { createMemoryDataEngine } from "@mlstack/data";
import { createMemoryFeatureStore } from "@mlstack/features";
import { createMemoryMetadataStore } from "@mlstack/metadata";
import { createMemoryMonitor } from "@mlstack/monitor";
import { createLinearModelRuntime, createServingEngine } from "@mlstack/serving";
import { describe, expect, it } from "vitest";
import { defineStack, SecretRef, type StackBricks } from "../src/index.js";

const clock = new ManualClock(0);

function thrown(fn: () => unknown): MlstackError {
  try {
    fn();
  } catch (e) {
    if (isMlstackError(e)) return e;
    throw e;
  }
  throw new Error("expected a throw");
}

describe("defineStack: slots", () => {
  it("does not compile a brick of the wrong kind, and refuses it at run time", () => {
    const features = createMemoryFeatureStore({ clock });
    const error = thrown(() =>
      defineStack({
        // @ts-expect-error a FeatureStore does not fill the data slot
        data: features,
      }),
    );
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain('data.default is a features brick ("memory"), not a data brick');
  });

  it("names every problem at once with INVALID_ARGUMENT", () => {
    const monitor = createMemoryMonitor({ clock });
    const bricks = {
      data: createMemoryFeatureStore({ clock }),
      warehouse: createMemoryDataEngine({ clock }),
      training: 42,
      serving: { bricks: { main: createServingEngine() }, default: "canary" },
      monitor: { bricks: { "bad name!": monitor }, default: "bad name!" },
      metadata: { bricks: {}, default: "x" },
    } as unknown as StackBricks;
    const error = thrown(() => defineStack(bricks));
    expect(error.code).toBe("INVALID_ARGUMENT");
    const problems = error.details.problems as string[];
    expect(problems).toEqual([
      'data.default is a features brick ("memory"), not a data brick',
      '"warehouse" is not a slot (slots: data, features, training, serving, metadata, monitor)',
      'slot "training" holds neither a brick nor { bricks, default }',
      'slot "serving": the default "canary" is not one of its bricks',
      'slot "monitor": "bad name!" is not a valid brick name',
      'slot "metadata" names no bricks',
      'slot "metadata": the default "x" is not one of its bricks',
    ]);
    for (const p of problems) expect(error.message).toContain(p);
  });

  it("refuses bad options with INVALID_ARGUMENT", () => {
    const error = thrown(() => defineStack({}, { name: "", healthTimeoutMs: -1 }));
    expect(error.code).toBe("INVALID_ARGUMENT");
  });

  it("composes an empty stack, and an empty slot is FAILED_PRECONDITION", () => {
    const stack = defineStack({});
    expect(stack.name).toBe("stack");
    expect(stack.entries()).toEqual([]);
    expect(stack.has("data")).toBe(false);
    expect(thrown(() => stack.data).code).toBe("FAILED_PRECONDITION");
    expect(thrown(() => stack.brick("monitor")).message).toContain("the stack has no monitor brick");
  });
});

describe("defineStack: named bricks", () => {
  const main = createServingEngine({ clock, runtimes: [createLinearModelRuntime()] });
  const canary = createServingEngine({ clock, capabilities: { trafficSplit: false } });
  const metadata = createMemoryMetadataStore({ clock });
  const stack = defineStack({ metadata, serving: { bricks: { main, canary }, default: "main" } }, { name: "named" });

  it("gives the default brick without a name, a named one by name", () => {
    expect(stack.brick("serving").capabilities.trafficSplit).toBe(true);
    expect(stack.serving.capabilities.trafficSplit).toBe(true);
    expect(stack.brick("serving", "canary").capabilities.trafficSplit).toBe(false);
    expect(stack.brick("serving", "canary")).toBe(stack.brick("serving", "canary"));
    const error = thrown(() => stack.brick("serving", "edge"));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.details).toMatchObject({ slot: "serving", name: "edge", known: ["main", "canary"] });
  });

  it("answers has() for slots and names", () => {
    expect(stack.has("serving")).toBe(true);
    expect(stack.has("serving", "canary")).toBe(true);
    expect(stack.has("serving", "edge")).toBe(false);
    expect(stack.has("metadata")).toBe(true);
    expect(stack.has("metadata", "default")).toBe(true);
    expect(stack.has("data")).toBe(false);
  });

  it("lists entries slot by slot, the default first, with their paths", () => {
    expect(stack.entries().map((e) => ({ slot: e.slot, name: e.name, path: e.path, isDefault: e.isDefault }))).toEqual([
      { slot: "serving", name: "main", path: "serving.main", isDefault: true },
      { slot: "serving", name: "canary", path: "serving.canary", isDefault: false },
      { slot: "metadata", name: "default", path: "metadata", isDefault: true },
    ]);
    expect(stack.entries()[1]?.brick).toBe(canary);
  });

  it("describes itself as JSON, secrets redacted", () => {
    const withConfig = defineStack(
      { metadata, serving: { bricks: { main, canary }, default: "main" } },
      {
        name: "described",
        config: { db: { url: "postgres://db/mlstack", password: SecretRef.value("hunter2") }, region: "eu" },
      },
    );
    const json = withConfig.toJSON();
    expect(json).toEqual({
      name: "described",
      slots: {
        serving: [
          { name: "main", implementation: "memory", specificationVersion: "v1", default: true },
          { name: "canary", implementation: "memory", specificationVersion: "v1", default: false },
        ],
        metadata: [{ name: "default", implementation: "memory", specificationVersion: "v1", default: true }],
      },
      config: { db: { url: "postgres://db/mlstack", password: "[secret]" }, region: "eu" },
    });
    expect(JSON.stringify(withConfig)).not.toContain("hunter2");
  });

  it("keeps stacks apart: no global state", async () => {
    const other = defineStack(
      { data: createMemoryDataEngine({ clock }) },
      { name: "other", lineage: { enabled: false } },
    );
    expect(other.entries().map((e) => e.path)).toEqual(["data"]);
    expect(stack.has("data")).toBe(false);
    const events: string[] = [];
    stack.events.on("lifecycle", (e) => events.push(e.path));
    await other.start();
    await other.stop();
    expect(events).toEqual([]);
  });
});
