import { type ModelVersionRef, refKey, type TrainingSetRef } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { createTestStack, type TestStack } from "../src/index.js";

const SIGNATURE = {
  inputs: {
    fields: [
      { name: "x1", type: "float64" as const },
      { name: "x2", type: "float64" as const },
    ],
  },
  outputs: { fields: [{ name: "probability", type: "float64" as const }] },
};

/** Registers a hand-written logistic model p = σ(2·x1 − x2) as the next version of `model`. */
async function registerLinearModel(stack: TestStack, model = "scorer"): Promise<ModelVersionRef> {
  const json = {
    format: "mlstack.linear-model",
    formatVersion: 1,
    task: "binary-classification",
    link: "logistic",
    featureNames: ["x1", "x2"],
    weights: [2, -1],
    intercept: 0,
    signature: SIGNATURE,
  };
  const source = await stack.artifacts.put(new TextEncoder().encode(JSON.stringify(json)));
  await stack.metadata.createRegisteredModel(model).catch(() => {});
  const version = await stack.metadata.createModelVersion(model, { source, signature: SIGNATURE });
  return { kind: "model-version", model, version: version.version };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const rows = Array.from({ length: 40 }, (_, i) => ({ x1: (i % 10) / 5 - 1, x2: (i % 7) / 3 - 1, label: i % 2 }));
const trainingSet: TrainingSetRef = { kind: "training-set", id: "ts-1", contentHash: "h1" };

describe("stack.deploy", () => {
  it("deploys a registered linear model with a signature derived from the registered one", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    const status = await stack.deploy({ model });
    expect(status).toMatchObject({ name: "scorer", ready: true, runtime: "linear" });
    expect(status.traffic).toEqual([expect.objectContaining({ version: "1", model, weight: 100 })]);
    const spec = await stack.serving.spec("scorer");
    expect(spec.signature).toEqual({
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 2] }],
      outputs: [{ name: "probability", datatype: "FP64", shape: [-1] }],
    });
    const response = await stack.serving.predict("scorer", {
      inputs: [{ name: "features", datatype: "FP64", shape: [1, 2], data: [1, 0.5] }],
    });
    expect(response.outputs[0]?.data[0]).toBeCloseTo(sigmoid(2 - 0.5), 12);
    // The stack records the deployment in lineage: its revision comes from the model version.
    const graph = await stack.lineage(status.ref);
    expect(graph.artifacts.map((a) => a.key)).toContain(refKey(model));
    // Nothing was registered with the Monitor without `monitor`.
    expect(await stack.monitor.listDeployments()).toEqual([]);
  });

  it("takes the deployment name, runtime and signature of the model's contract", async () => {
    const signature = {
      inputs: [{ name: "matrix", datatype: "FP32" as const, shape: [-1, 2] }],
      outputs: [{ name: "probability", datatype: "FP32" as const, shape: [-1, 1] }],
    };
    await using stack = await createTestStack({
      models: [{ name: "scorer", signature: SIGNATURE, deployment: { name: "scoring", runtime: "linear", signature } }],
    });
    const model = await registerLinearModel(stack);
    const status = await stack.deploy({ model });
    expect(status.name).toBe("scoring");
    expect((await stack.serving.spec("scoring")).signature).toEqual(signature);
  });

  it("registers with the Monitor: schema, scored reference with its training set, and a drift alert rule", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    await stack.deploy({ model, monitor: { reference: { rows, trainingSet }, windowMs: 60_000 } });
    const deployment = { kind: "deployment" as const, name: "scorer" };
    const config = await stack.monitor.getDeployment(deployment);
    expect(config.schema.fields.map((f) => f.name)).toEqual(["x1", "x2"]);
    expect(config.prediction).toMatchObject({ name: "prediction", task: "classification" });
    expect(config.windowMs).toBe(60_000);
    const reference = await stack.monitor.getReference(deployment);
    expect(reference).toMatchObject({ rows: rows.length, hasRawData: true, lineage: [trainingSet] });
    expect(await stack.monitor.listAlertRules(deployment)).toEqual([
      expect.objectContaining({ metric: "dataset_drift", comparison: ">=", threshold: 1, windowMs: 60_000 }),
    ]);
    // The reference's prediction column holds the deployment's classes: logging the rows with the
    // classes the model gives them shows no drift on it.
    await stack.monitor.log(
      deployment,
      rows.map((r) => ({ features: { x1: r.x1, x2: r.x2 }, prediction: sigmoid(2 * r.x1 - r.x2) >= 0.5 ? 1 : 0 })),
    );
    const drift = await stack.monitor.drift(await stack.monitor.windowAt(deployment, stack.clock.now()));
    const prediction = drift.columns.find((c) => c.column === "prediction");
    expect(prediction).toMatchObject({ kind: "categorical", referenceSize: rows.length, score: 0 });
    expect(drift.dataset.driftedColumns).toEqual([]);
  });

  it("adds no alert rule with driftAlert false, and scores a regressor's reference with its raw prediction", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    await stack.deploy({ model, monitor: { reference: { rows }, driftAlert: false, task: "regression" } });
    const deployment = { kind: "deployment" as const, name: "scorer" };
    expect(await stack.monitor.listAlertRules(deployment)).toEqual([]);
    expect((await stack.monitor.getDeployment(deployment)).prediction?.task).toBe("regression");
  });

  it("undeploys again when a step after the deploy fails, leaving the Monitor untouched", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    const broken = [...rows, { x1: 1 }];
    await expect(stack.deploy({ model, monitor: { reference: { rows: broken } } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    expect(await stack.serving.list()).toEqual([]);
    expect(await stack.monitor.listDeployments()).toEqual([]);
    // The same call with good rows then succeeds: nothing was left behind.
    await stack.deploy({ model, monitor: { reference: { rows } } });
    expect((await stack.serving.list()).map((d) => d.name)).toEqual(["scorer"]);
  });

  it("refuses before deploying when the Monitor watches the name with another schema", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    await stack.monitor.registerDeployment({
      deployment: { kind: "deployment", name: "scorer" },
      schema: { fields: [{ name: "other", type: "string" }] },
    });
    await expect(stack.deploy({ model, monitor: {} })).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    expect(await stack.serving.list()).toEqual([]);
  });

  it("reuses a matching Monitor registration on a redeploy", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    await stack.deploy({ model, monitor: { reference: { rows } } });
    await stack.serving.undeploy("scorer");
    const v2 = await registerLinearModel(stack);
    const status = await stack.deploy({ model: v2, monitor: { reference: { rows: rows.slice(0, 10) } } });
    expect(status.traffic[0]?.model).toEqual(v2);
    const deployment = { kind: "deployment" as const, name: "scorer" };
    expect((await stack.monitor.getReference(deployment)).rows).toBe(10);
    expect(await stack.monitor.listAlertRules(deployment)).toHaveLength(1);
  });

  it("is cancelled by an aborted signal and leaves nothing deployed", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    const controller = new AbortController();
    controller.abort();
    await expect(
      stack.deploy({ model, signal: controller.signal, monitor: { reference: { rows } } }),
    ).rejects.toMatchObject({ code: "CANCELLED" });
    expect(await stack.serving.list()).toEqual([]);
    expect(await stack.monitor.listDeployments()).toEqual([]);
  });

  it("rejects bad input with typed errors and changes nothing", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    const bad = [
      {},
      { model: { kind: "model-version", model: "scorer" } },
      { model, runtime: "" },
      { model, monitor: { threshold: 2 } },
      { model, monitor: { reference: { rows: [1, 2] } } },
      { model, signature: { inputs: [], outputs: [] } },
    ];
    for (const input of bad) {
      await expect(stack.deploy(input as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    await expect(stack.deploy({ model: { ...model, version: "9" } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await stack.metadata.deleteModelVersion("scorer", "1");
    await expect(stack.deploy({ model })).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    expect(await stack.serving.list()).toEqual([]);
  });

  it("needs a signature when the registered one cannot be laid out as a matrix", async () => {
    await using stack = await createTestStack();
    const model = await registerLinearModel(stack);
    const source = (await stack.metadata.getModelVersion("scorer", "1")).source;
    const text = { inputs: { fields: [{ name: "city", type: "string" as const }] }, outputs: SIGNATURE.outputs };
    const v2 = await stack.metadata.createModelVersion("scorer", { source, signature: text });
    await expect(stack.deploy({ model: { ...model, version: v2.version } })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
    });
    const bare = await stack.metadata.createModelVersion("scorer", { source });
    await expect(stack.deploy({ model: { ...model, version: bare.version } })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
    });
    expect(await stack.serving.list()).toEqual([]);
  });
});
