import { type DeploymentRef, isMlstackError, type ModelVersionRef, refKey } from "@mlstack/core";
import { createMemoryDataEngine } from "@mlstack/data";
import type { AlertEvent } from "@mlstack/monitor";
import { describe, expect, it } from "vitest";
import {
  createTestStack,
  type DriftRetrain,
  defineStack,
  RETRAIN_EXECUTION_TYPE,
  type StackTrainingSet,
  type TestStack,
} from "../src/index.js";

const MINUTE = 60_000;
const deployment: DeploymentRef = { kind: "deployment", name: "scorer" };
const PARAMS = { task: "binary-classification", features: ["x1", "x2"], label: "label", epochs: 5 } as const;

/** A deterministic sample: x1 spread over [-1, 1) (+ shift), x2 over [-1, 1), label from 2·x1 − x2. */
function sample(n: number, shift = 0, offset = 0) {
  return Array.from({ length: n }, (_, i) => {
    const x1 = ((i * 37) % n) / (n / 2) - 1 + shift;
    const x2 = ((i * 11) % n) / (n / 2) - 1;
    return { applicant_id: `a-${offset + i}`, x1, x2, label: 2 * x1 - x2 > 0 ? 1 : 0 };
  });
}

async function applyFeatures(stack: TestStack): Promise<void> {
  await stack.features.apply({
    entities: [{ name: "applicant", joinKeys: [{ name: "applicant_id", type: "string" }] }],
    featureViews: [
      {
        name: "profile",
        entities: ["applicant"],
        schema: {
          fields: [
            { name: "x1", type: "float64" },
            { name: "x2", type: "float64" },
          ],
        },
      },
    ],
  });
}

/** Ingests rows as profiles and builds a point-in-time training set for them with their labels. */
async function trainingSetOf(stack: TestStack, rows: ReturnType<typeof sample>): Promise<StackTrainingSet> {
  const at = stack.clock.now();
  await stack.features.ingest(
    "profile",
    rows.map((r) => ({ applicant_id: r.applicant_id, event_timestamp: at, x1: r.x1, x2: r.x2 })),
  );
  stack.clock.advance(1000);
  return stack.buildTrainingSet({
    features: ["profile:x1", "profile:x2"],
    entityRows: rows.map((r) => ({ applicant_id: r.applicant_id, event_timestamp: at + 1, label: r.label })),
  });
}

/** Trains, registers and deploys v1 of `scorer` with the Monitor watching it; returns the version. */
async function deployChampion(stack: TestStack): Promise<{ v1: ModelVersionRef; trainingSet: StackTrainingSet }> {
  await applyFeatures(stack);
  const trainingSet = await trainingSetOf(stack, sample(200));
  const trained = await stack.train({
    trainer: { name: "mlstack.linear", version: "1" },
    params: PARAMS,
    inputs: [trainingSet.ref],
  });
  const version = await stack.registerModel({ job: trained.job.ref, model: "scorer", alias: "champion" });
  const v1: ModelVersionRef = { kind: "model-version", model: "scorer", version: version.version };
  await stack.deploy({
    model: v1,
    monitor: { reference: { rows: trainingSet.rows, trainingSet: trainingSet.ref }, windowMs: MINUTE },
  });
  return { v1, trainingSet };
}

/** Logs shifted traffic in the current window and evaluates the alert rules: the drift rule fires. */
async function driftAndAlert(stack: TestStack): Promise<AlertEvent[]> {
  stack.clock.advance(MINUTE);
  await stack.monitor.log(
    deployment,
    sample(200, 3).map((r) => ({ features: { x1: r.x1, x2: r.x2 }, prediction: 1 })),
  );
  const fired: AlertEvent[] = [];
  const listener = (event: AlertEvent) => fired.push(event);
  stack.monitor.events.on("alert.firing", listener);
  try {
    await stack.monitor.evaluateAlerts(deployment);
  } finally {
    stack.monitor.events.off("alert.firing", listener);
  }
  return fired;
}

describe("stack.onDrift", () => {
  it("retrains the champion's trainer on the new training set, registers v2 and canaries it 90/10, in lineage", async () => {
    await using stack = await createTestStack();
    const { v1, trainingSet: firstSet } = await deployChampion(stack);
    const newRows = sample(200, 0.5, 1000);
    let newTrainingSet: StackTrainingSet | undefined;
    const events: string[] = [];
    stack.events.on("drift.retrain.started", () => events.push("started"));
    stack.events.on("drift.retrain.completed", () => events.push("completed"));
    stack.events.on("drift.retrain.failed", ({ error }) => events.push(`failed: ${error.message}`));
    const loop = stack.onDrift({
      deployment: "scorer",
      alias: "challenger",
      params: { epochs: 3 },
      trainingSet: async () => {
        newTrainingSet = await trainingSetOf(stack, newRows);
        return newTrainingSet;
      },
    });

    const fired = await driftAndAlert(stack);
    expect(fired.map((a) => a.rule.metric)).toEqual(["dataset_drift"]);
    await loop.idle();

    expect(events).toEqual(["started", "completed"]);
    expect(loop.retrains).toHaveLength(1);
    const retrain = loop.retrains[0] as DriftRetrain;
    const v2: ModelVersionRef = { kind: "model-version", model: "scorer", version: "2" };
    expect(retrain.modelVersion).toEqual(v2);
    expect(retrain.champion).toEqual(v1);
    expect(retrain.trainingSet).toEqual(newTrainingSet?.ref);
    expect(retrain.alert.window).toEqual(fired[0]?.window);
    // The same trainer and params (merged with the policy's), on the new training set only.
    const job = await stack.training.getJob(retrain.job.jobId);
    expect(job.spec.trainer).toEqual({ name: "mlstack.linear", version: "1" });
    expect(job.spec.params).toMatchObject({ ...PARAMS, epochs: 3 });
    expect(job.spec.inputs).toEqual([newTrainingSet?.ref]);
    // Its run says what it is.
    expect((await stack.runOf(retrain.job)).name).toBe("retrain of scorer/1");
    // Registered from its run, with the policy's alias.
    expect((await stack.metadata.getModelVersionByAlias("scorer", "challenger")).version).toBe("2");
    expect((await stack.metadata.getModelVersionByAlias("scorer", "champion")).version).toBe("1");
    // The canary: the champion keeps 90%, v2 gets 10%, both ready.
    const status = await stack.serving.status("scorer");
    expect(retrain.deployment.revision).toBe(status.revision);
    expect(status.traffic.map((t) => [t.model, t.weight])).toEqual([
      [v1, 90],
      [v2, 10],
    ]);
    expect(status.ready).toBe(true);
    const answered = await stack.serving.predict(
      "scorer",
      { inputs: [{ name: "features", datatype: "FP64", shape: [1, 2], data: [0.2, 0.1] }] },
      { version: "2" },
    );
    expect(answered.model_version).toBe("2");

    // Lineage: v2 comes from a stack.retrain execution whose inputs are the alert's window, the
    // champion and the new training set.
    const graph = await stack.lineage(v2, { direction: "upstream" });
    const keys = graph.artifacts.map((a) => a.key);
    expect(keys).toEqual(
      expect.arrayContaining([refKey(retrain.alert.window), refKey(v1), refKey(retrain.trainingSet)]),
    );
    const execution = graph.executions.find((e) => e.type === RETRAIN_EXECUTION_TYPE);
    expect(execution?.properties).toMatchObject({ deployment: "scorer", metric: "dataset_drift", canaryWeight: 10 });
    // Its other output is the deployment at the canary's revision: the served revision traces back too.
    const revision = { ...deployment, revision: status.revision };
    const served = await stack.lineage(revision, { direction: "upstream" });
    const outputs = served.events.filter((e) => e.execution === execution?.id && e.type === "output");
    expect(outputs.map((e) => e.artifact).sort()).toEqual([refKey(revision), refKey(v2)].sort());
    // ... down to both training sets: the champion's (through its run) and the new one.
    expect(served.artifacts.map((a) => a.key)).toEqual(
      expect.arrayContaining([refKey(retrain.alert.window), refKey(retrain.trainingSet), refKey(firstSet.ref)]),
    );
    await loop.close();
  });

  it("coalesces alerts that arrive during a retrain, and ignores other rules and deployments", async () => {
    await using stack = await createTestStack();
    await deployChampion(stack);
    await stack.monitor.putAlertRule({
      deployment,
      name: "drift-share",
      metric: "drift_share",
      comparison: ">=",
      threshold: 0.5,
    });
    await stack.monitor.putAlertRule({
      deployment,
      name: "traffic",
      metric: "row_count",
      comparison: ">",
      threshold: 0,
    });
    let calls = 0;
    const loop = stack.onDrift({
      deployment: "scorer",
      canaryWeight: 25,
      trainingSet: async () => {
        calls += 1;
        return trainingSetOf(stack, sample(200, 0.5, 1000 * (calls + 1)));
      },
    });
    const fired = await driftAndAlert(stack);
    // Three rules fired at once: two on drift metrics, one on traffic.
    expect(fired.map((a) => a.rule.name).sort()).toEqual(["dataset-drift", "drift-share", "traffic"]);
    await loop.idle();
    expect(calls).toBe(1);
    expect(loop.retrains).toHaveLength(1);
    const status = await stack.serving.status("scorer");
    expect(status.traffic.map((t) => t.weight)).toEqual([75, 25]);

    // Drift on another deployment is not this loop's business.
    const other: DeploymentRef = { kind: "deployment", name: "other" };
    await stack.monitor.registerDeployment({
      deployment: other,
      schema: { fields: [{ name: "x1", type: "float64" }] },
      windowMs: MINUTE,
    });
    await stack.monitor.setReference(other, { rows: sample(200).map((r) => ({ x1: r.x1 })) });
    await stack.monitor.putAlertRule({
      deployment: other,
      name: "drift",
      metric: "dataset_drift",
      comparison: ">=",
      threshold: 1,
    });
    await stack.monitor.log(
      other,
      sample(200, 3).map((r) => ({ features: { x1: r.x1 } })),
    );
    const states = await stack.monitor.evaluateAlerts(other);
    expect(states.map((a) => a.state)).toEqual(["firing"]);
    await loop.idle();
    expect(calls).toBe(1);
    await loop.close();
  });

  it("retrains only on the rules a policy names", async () => {
    await using stack = await createTestStack();
    await deployChampion(stack);
    await stack.monitor.putAlertRule({
      deployment,
      name: "traffic",
      metric: "row_count",
      comparison: ">",
      threshold: 0,
    });
    const alerts: string[] = [];
    const loop = stack.onDrift({
      deployment: "scorer",
      rules: ["traffic"],
      trainingSet: async (alert) => {
        alerts.push(alert.rule.name);
        return trainingSetOf(stack, sample(200, 0.5, 5000));
      },
    });
    await driftAndAlert(stack);
    await loop.idle();
    expect(alerts).toEqual(["traffic"]);
    expect(loop.retrains.map((r) => r.alert.rule.name)).toEqual(["traffic"]);
    await loop.close();
  });

  it("reports a failed retrain as an event, changes no traffic, and keeps listening", async () => {
    await using stack = await createTestStack();
    await deployChampion(stack);
    const before = await stack.serving.status("scorer");
    const failures: Error[] = [];
    stack.events.on("drift.retrain.failed", ({ error }) => failures.push(error));
    // A listener that throws must not break the loop either.
    stack.events.on("drift.retrain.started", () => {
      throw new Error("a listener's bug");
    });
    let fail = true;
    const loop = stack.onDrift({
      deployment: "scorer",
      trainingSet: async () => {
        if (fail) throw new Error("the warehouse is down");
        return trainingSetOf(stack, sample(200, 0.5, 7000));
      },
    });
    await driftAndAlert(stack);
    await loop.idle();
    expect(failures.map((e) => e.message)).toEqual(["the warehouse is down"]);
    expect(isMlstackError(failures[0])).toBe(true);
    expect(loop.retrains).toEqual([]);
    expect((await stack.serving.status("scorer")).revision).toBe(before.revision);

    // The next alert retrains.
    fail = false;
    await stack.monitor.putAlertRule({
      deployment,
      name: "drift-share",
      metric: "drift_share",
      comparison: ">=",
      threshold: 0.5,
    });
    await stack.monitor.evaluateAlerts(deployment);
    await loop.idle();
    expect(loop.retrains).toHaveLength(1);
    await loop.close();
  });

  it("stops listening on close()", async () => {
    await using stack = await createTestStack();
    await deployChampion(stack);
    let calls = 0;
    const loop = stack.onDrift({
      deployment: "scorer",
      trainingSet: async () => {
        calls += 1;
        return trainingSetOf(stack, sample(200, 0.5, 9000));
      },
    });
    await loop.close();
    await driftAndAlert(stack);
    await loop.idle();
    expect(calls).toBe(0);
    expect((await stack.serving.status("scorer")).traffic).toHaveLength(1);
  });

  it("rejects a bad policy and a stack without the bricks it needs", async () => {
    await using stack = await createTestStack();
    const bad = [
      {},
      { deployment: "scorer" },
      { deployment: "", trainingSet: async () => ({}) },
      { deployment: "scorer", trainingSet: async () => ({}), canaryWeight: 0 },
      { deployment: "scorer", trainingSet: async () => ({}), canaryWeight: 10.5 },
      { deployment: "scorer", trainingSet: async () => ({}), rules: [] },
    ];
    for (const policy of bad) {
      expect(() => stack.onDrift(policy as never)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
    const partial = defineStack({ data: createMemoryDataEngine() });
    expect(() =>
      partial.onDrift({
        deployment: "scorer",
        trainingSet: async () => ({ kind: "training-set", id: "x", contentHash: "y" }),
      }),
    ).toThrow(expect.objectContaining({ code: "FAILED_PRECONDITION" }));
  });
});
