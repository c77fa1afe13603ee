import { createMemoryMonitor } from "@mlstack/monitor";
import { describe, expect, it } from "vitest";
import { createTestStack, type TestStack } from "../src/index.js";

describe("createTestStack", () => {
  it("fills every slot with a started in-memory brick on one manual clock", async () => {
    await using stack = await createTestStack();
    expect(stack.entries().map((e) => [e.slot, e.brick.name])).toEqual([
      ["data", expect.any(String)],
      ["features", expect.any(String)],
      ["training", expect.any(String)],
      ["serving", expect.any(String)],
      ["metadata", expect.any(String)],
      ["monitor", expect.any(String)],
    ]);
    expect((await stack.checkHealth()).status).toBe("ok");
    expect(stack.clock.now()).toBe(Date.UTC(2026, 0, 1));
    // Advancing the clock moves every brick: the registry stamps with it.
    stack.clock.advance(5000);
    const model = await stack.metadata.createRegisteredModel("m");
    expect(model.createdAt).toBe(Date.UTC(2026, 0, 1) + 5000);
    expect((await stack.training.listTrainers()).map((t) => t.name)).toContain("mlstack.linear");
  });

  it("starts at startTime and gives the same ids for the same seed", async () => {
    const ids = async (seed?: string) => {
      await using stack = await createTestStack({ startTime: 1_000_000, ...(seed ? { seed } : {}) });
      expect(stack.clock.now()).toBe(1_000_000);
      const experiment = await stack.metadata.createExperiment({ name: "e" });
      return experiment.experimentId;
    };
    expect(await ids()).toBe(await ids());
    expect(await ids("other")).not.toBe(await ids());
  });

  it("serves the given functions and shares one artifact store between training, metadata and serving", async () => {
    await using stack = await createTestStack({
      functions: { double: (inputs) => ({ y: { shape: [1], data: [Number(inputs.x?.data[0]) * 2] } }) },
    });
    await stack.serving.deploy({
      name: "double",
      runtime: "function",
      model: { kind: "function", name: "double" },
      signature: {
        inputs: [{ name: "x", datatype: "FP64", shape: [-1] }],
        outputs: [{ name: "y", datatype: "FP64", shape: [-1] }],
      },
    });
    const answer = await stack.serving.predict("double", {
      inputs: [{ name: "x", datatype: "FP64", shape: [1], data: [21] }],
    });
    expect(answer.outputs[0]?.data).toEqual([42]);
    // Bytes a run logs land in the stack's artifact store, where serving and training read them.
    const { experimentId } = await stack.metadata.createExperiment({ name: "e" });
    const run = await stack.metadata.createRun({ experimentId });
    const ref = await stack.metadata.logArtifact(run.runId, "model.bin", new TextEncoder().encode("bytes"));
    expect(new TextDecoder().decode(await stack.artifacts.get(ref))).toBe("bytes");
  });

  it("uses the bricks it is given instead of the memory ones", async () => {
    const monitor = createMemoryMonitor();
    await using stack = await createTestStack({ bricks: { monitor } });
    expect(stack.entries().find((e) => e.slot === "monitor")?.brick).toBe(monitor);
  });

  it("builds overrides on the stack's clock and artifacts when bricks is a function", async () => {
    await using stack = await createTestStack({
      bricks: ({ clock }) => ({ monitor: createMemoryMonitor({ clock }) }),
    });
    const deployment = { kind: "deployment" as const, name: "d" };
    await stack.monitor.registerDeployment({ deployment, schema: { fields: [{ name: "x", type: "float64" }] } });
    stack.clock.advance(60_000);
    // The monitor logs at the stack's clock: the row lands in the window of the advanced time.
    const logged = await stack.monitor.log(deployment, [{ features: { x: 1 } }]);
    expect(logged.windows[0]).toEqual(await stack.monitor.windowAt(deployment, stack.clock.now()));
    expect(logged.windows[0]?.start).toBeLessThanOrEqual(stack.clock.now());
    expect(logged.windows[0]?.end).toBeGreaterThan(stack.clock.now());
  });

  it("is stopped by await using", async () => {
    let stopped: TestStack | undefined;
    {
      await using stack = await createTestStack();
      expect((await stack.checkHealth()).status).toBe("ok");
      stopped = stack;
    }
    expect((await stopped.serving.health()).status).toBe("down");
  });

  it("rejects bad options with INVALID_ARGUMENT", async () => {
    for (const options of [
      { startTime: -1 },
      { startTime: 1.5 },
      { seed: "" },
      { trainers: [1] },
      { functions: { f: 1 } },
      { bricks: 1 },
      { name: "" },
    ]) {
      await expect(createTestStack(options as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
  });
});

describe("createTestStack with lineage.trainingSetRepo", () => {
  it("lets trainers read the training sets snapshotted in that repo", async () => {
    await using stack = await createTestStack({ lineage: { trainingSetRepo: "snapshots" } });
    await stack.features.apply({
      entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" }] }],
      featureViews: [{ name: "u", entities: ["user"], schema: { fields: [{ name: "x", type: "float64" }] } }],
    });
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    await stack.features.ingest(
      "u",
      ids.map((id) => ({ user_id: id, event_timestamp: 0, x: (id % 10) / 10 })),
    );
    const set = await stack.buildTrainingSet({
      entityRows: ids.map((id) => ({ user_id: id, event_timestamp: 1000, y: id % 10 > 4 ? 1 : 0 })),
      features: ["u:x"],
    });
    expect(set.snapshot?.repo).toBe("snapshots");
    const { job } = await stack.train({
      trainer: { name: "mlstack.linear", version: "1" },
      params: { task: "binary-classification", features: ["x"], label: "y", epochs: 2, batchSize: 8 },
      inputs: [set.ref],
      seed: 1,
    });
    expect(job.state).toBe("SUCCEEDED");
  });
});
