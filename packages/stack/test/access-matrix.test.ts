import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMlstackError, type ModelVersionRef } from "@mlstack/core";
import type { PipelineDefinition } from "@mlstack/data";
import { type AnyTrainer, defineTrainer } from "@mlstack/training";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  BRICK_PERMISSIONS,
  type BrickMethod,
  EMITTER_ADMIN_METHODS,
  LISTENER_METHODS,
} from "../src/access/brick-permissions.js";
import {
  type AccessDecision,
  createTestStack,
  PERMISSIONS,
  type Permission,
  type SlotName,
  type Stack,
  type StackBrickMap,
  type TestStack,
} from "../src/index.js";

// One role per permission, so a principal can hold exactly the permissions a call needs.
const roles: Record<string, Permission[]> = { nobody: [] };
for (const permission of PERMISSIONS) roles[permission] = [permission];
const policy = { roles };

const SLOTS = ["data", "features", "training", "serving", "metadata", "monitor"] as const satisfies readonly SlotName[];

const SIGNATURE = {
  inputs: {
    fields: [
      { name: "x1", type: "float64" as const },
      { name: "x2", type: "float64" as const },
    ],
  },
  outputs: { fields: [{ name: "probability", type: "float64" as const }] },
};
const SERVING_SIGNATURE = {
  inputs: [{ name: "features", datatype: "FP64" as const, shape: [-1, 2] }],
  outputs: [{ name: "probability", datatype: "FP64" as const, shape: [-1] }],
};
const LINEAR_MODEL = JSON.stringify({
  format: "mlstack.linear-model",
  formatVersion: 1,
  task: "binary-classification",
  link: "logistic",
  featureNames: ["x1", "x2"],
  weights: [2, -1],
  intercept: 0,
  signature: SIGNATURE,
});

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A trainer that reads nothing: stores a fixed model and logs a score. */
const fixtureTrainer = defineTrainer({
  name: "fixture",
  version: "1",
  params: z.object({ x: z.number().default(0.5) }),
  async run(ctx) {
    ctx.log.metric("score", ctx.params.x, 1);
    const model = await ctx.artifacts.put("model.json", LINEAR_MODEL);
    return { model, signature: SIGNATURE, metrics: { score: ctx.params.x } };
  },
});

const otherTrainer: AnyTrainer = defineTrainer({
  name: "other",
  version: "1",
  params: z.object({}),
  async run() {
    return { metrics: {} };
  },
});

const DEPLOYMENT = { kind: "deployment" as const, name: "scorer" };
const rows = Array.from({ length: 60 }, (_, i) => ({ x1: (i % 10) / 5 - 1, x2: (i % 7) / 3 - 1 }));
const rowSchema = z.object({ id: z.number(), amount: z.number() });

interface Fixture {
  readonly stack: TestStack;
  readonly folder: string;
  readonly commit: string;
  readonly pipeline: PipelineDefinition;
  readonly jobId: string;
  readonly experimentId: string;
  readonly runId: string;
  readonly model: ModelVersionRef;
  readonly ruleId: string;
  readonly windowStart: number;
}

/** A stack with something in every brick: a repo with commits, features, a finished job, runs, a registered and deployed model, a monitored deployment with traffic. */
async function createFixture(folder: string): Promise<Fixture> {
  const stack = await createTestStack({ policy, trainers: [fixtureTrainer] });
  const { data, features, training, serving, metadata, monitor } = stack;
  await data.createRepo("loans");
  await data.createRepo("loans-out");
  const c = await data.commit("loans", "main", (tx) => tx.put("a/one.txt", "one").then(() => undefined), {
    message: "one",
  });
  await data.commitTable("loans", "main", "t.jsonl", rowSchema, [{ id: 1, amount: 2 }], { message: "table" });
  await data.createBranch("loans", "dev", "main");
  const pipeline: PipelineDefinition = {
    name: "copy",
    input: { repo: "loans", branch: "main", glob: "/*" },
    output: { repo: "loans-out", branch: "main" },
    fingerprint: { code: "copy@1" },
    transform: (datum) => datum.files.map((f) => ({ path: f.path, data: "x" })),
  };

  await features.apply({
    entities: [{ name: "customer", joinKeys: [{ name: "customer_id", type: "int64" }] }],
    featureViews: [
      { name: "stats", entities: ["customer"], schema: { fields: [{ name: "income", type: "float64" }] } },
      { name: "other", entities: ["customer"], schema: { fields: [{ name: "age", type: "float64" }] } },
    ],
    featureServices: [{ name: "scoring", features: ["stats:income"] }],
  });
  const t0 = stack.clock.now();
  await features.ingest(
    "stats",
    [1, 2, 3].map((id) => ({ customer_id: id, event_timestamp: t0 - 1000, income: id * 10 })),
  );
  await features.ingest(
    "other",
    [1, 2, 3].map((id) => ({ customer_id: id, event_timestamp: t0 - 1000, age: id * 20 })),
  );
  await features.materialize({ start: 0, end: t0 });

  const job = await training.submit({ trainer: { name: "fixture", version: "1" }, params: { x: 0.25 } });
  await training.waitFor(job.ref.jobId);

  const experiment = await metadata.createExperiment({ name: "exp" });
  const run = await metadata.createRun({ experimentId: experiment.experimentId, tags: { t: "1" } });
  await metadata.logBatch(run.runId, { metrics: [{ key: "loss", value: 0.5 }], params: [{ key: "lr", value: "0.1" }] });
  await metadata.logArtifact(run.runId, "model.json", bytes(LINEAR_MODEL));
  const source = await stack.artifacts.put(bytes(LINEAR_MODEL));
  await metadata.createRegisteredModel("scorer");
  const version = await metadata.createModelVersion("scorer", { source, signature: SIGNATURE, runId: run.runId });
  await metadata.setAlias("scorer", "champion", version.version);
  const model: ModelVersionRef = { kind: "model-version", model: "scorer", version: version.version };

  await serving.deploy({ name: "scorer", runtime: "linear", signature: SERVING_SIGNATURE, model });

  await monitor.registerDeployment({
    deployment: DEPLOYMENT,
    schema: {
      fields: [
        { name: "x1", type: "float64" },
        { name: "x2", type: "float64" },
      ],
    },
    prediction: { task: "classification" },
    windowMs: 60_000,
  });
  await monitor.setReference(DEPLOYMENT, { rows: rows.map((r, i) => ({ ...r, prediction: i % 2 })) });
  const windowStart = Math.floor(stack.clock.now() / 60_000) * 60_000;
  await monitor.log(
    DEPLOYMENT,
    rows.map((features, i) => ({
      features,
      prediction: i % 2,
      score: 0.5,
      requestId: `r${i}`,
      timestamp: windowStart + i,
    })),
  );
  await monitor.logLabels(
    DEPLOYMENT,
    rows.slice(0, 10).map((_, i) => ({ requestId: `r${i}`, label: i % 2 })),
  );
  const rule = await monitor.putAlertRule({
    deployment: DEPLOYMENT,
    name: "rows",
    metric: "row_count",
    comparison: ">",
    threshold: 1_000_000,
  });
  return {
    stack,
    folder,
    commit: c.id,
    pipeline,
    jobId: job.ref.jobId,
    experimentId: experiment.experimentId,
    runId: run.runId,
    model,
    ruleId: rule.id,
    windowStart,
  };
}

type Args = readonly unknown[] | Promise<readonly unknown[]>;
type Cases<B> = { readonly [M in BrickMethod<B>]: (f: Fixture) => Args };

const window = (f: Fixture) => ({
  kind: "monitor-window" as const,
  deployment: "scorer",
  start: f.windowStart,
  end: f.windowStart + 60_000,
});

/** A valid call of every method of every brick: `Cases` does not compile when the table has a method without one. */
const CASES: { readonly [K in SlotName]: Cases<StackBrickMap[K]> } = {
  data: {
    start: () => [],
    stop: () => [],
    health: () => [],
    createRepo: () => ["fresh"],
    getRepo: () => ["loans"],
    listRepos: () => [],
    deleteRepo: async (f) => {
      await f.stack.data.createRepo("victim");
      return ["victim"];
    },
    createBranch: () => ["loans", "feature", "main"],
    deleteBranch: () => ["loans", "dev"],
    listBranches: () => ["loans"],
    commit: () => [
      "loans",
      "main",
      (tx: { put(p: string, d: string): Promise<unknown> }) => tx.put("b.txt", "b"),
      { message: "b" },
    ],
    getCommit: (f) => ["loans", f.commit],
    log: () => ["loans", "main"],
    read: () => ["loans", "main", "a/one.txt"],
    readBytes: () => ["loans", "main", "a/one.txt"],
    stat: () => ["loans", "main", "a/one.txt"],
    list: () => ["loans", "main"],
    walk: () => ["loans", "main"],
    fileRef: () => ["loans", "main", "a/one.txt"],
    diff: (f) => ["loans", f.commit, "main"],
    merge: async (f) => {
      await f.stack.data.commit("loans", "dev", (tx) => tx.put("dev.txt", "d").then(() => undefined), {
        message: "dev",
      });
      return ["loans", "dev", "main"];
    },
    commitTable: () => ["loans", "main", "u.jsonl", rowSchema, [{ id: 2, amount: 3 }], { message: "u" }],
    readTable: () => ["loans", "main", "t.jsonl", rowSchema],
    addDirectory: async (f) => {
      await writeFile(join(f.folder, "local.txt"), "local");
      return ["loans", "main", f.folder, { prefix: "local" }];
    },
    runPipeline: (f) => [f.pipeline],
    explain: (f) => [f.pipeline],
    subscribe: (f) => [f.pipeline],
    gc: () => [],
    fsck: () => [],
  },
  features: {
    start: () => [],
    stop: () => [],
    health: () => [],
    apply: () => [{ featureServices: [{ name: "scoring", features: ["stats:income", "other:age"] }] }],
    plan: () => [{ featureServices: [{ name: "scoring", features: ["stats"] }] }],
    listDefinitions: () => [],
    ingest: (f) => ["stats", [{ customer_id: 4, event_timestamp: f.stack.clock.now() - 10, income: 1 }]],
    push: (f) => ["stats", [{ customer_id: 5, event_timestamp: f.stack.clock.now() - 10, income: 2 }]],
    getHistoricalFeatures: (f) => [
      {
        features: ["stats:income", "other:age"],
        entityRows: [{ customer_id: 1, event_timestamp: f.stack.clock.now() }],
      },
    ],
    streamHistoricalFeatures: (f) => [
      { service: "scoring", entityRows: [{ customer_id: 1, event_timestamp: f.stack.clock.now() }] },
    ],
    materialize: (f) => [{ views: ["stats"], start: 0, end: f.stack.clock.now() }],
    materializeIncremental: (f) => [{ views: ["stats", "other"], end: f.stack.clock.now() }],
    getOnlineFeatures: () => [{ features: ["stats:income", "other:age"], entityRows: [{ customer_id: 1 }] }],
    checkSkew: () => [{ features: ["stats:income"], entityRows: [{ customer_id: 1 }] }],
  },
  training: {
    start: () => [],
    stop: () => [],
    health: () => [],
    registerTrainer: () => [otherTrainer],
    listTrainers: () => [],
    submit: (f) => [
      {
        trainer: { name: "fixture", version: "1" },
        inputs: [{ kind: "data-commit", repo: "loans", commit: f.commit }],
      },
    ],
    getJob: (f) => [f.jobId],
    listJobs: () => [{ trainer: "fixture" }],
    waitFor: (f) => [f.jobId],
    cancel: (f) => [f.jobId],
    transitions: (f) => [f.jobId],
    metrics: (f) => [f.jobId],
    checkpoints: (f) => [f.jobId],
    sweep: () => [
      {
        trainer: { name: "fixture", version: "1" },
        space: { x: { type: "uniform", low: 0, high: 1 } },
        objective: { metric: "score", goal: "max" },
        algorithm: "random",
        maxTrials: 2,
      },
    ],
  },
  serving: {
    start: () => [],
    stop: () => [],
    health: () => [],
    deploy: (f) => [{ name: "second", runtime: "linear", signature: SERVING_SIGNATURE, model: f.model }],
    update: (f) => ["scorer", { traffic: [{ version: "a", model: f.model, weight: 100 }] }],
    rollback: async (f) => {
      await f.stack.serving.update("scorer", { concurrency: 2 });
      return ["scorer"];
    },
    undeploy: () => ["scorer"],
    list: () => [],
    status: () => ["scorer"],
    spec: () => ["scorer"],
    stats: () => ["scorer"],
    predict: () => ["scorer", { inputs: [{ name: "features", datatype: "FP64", shape: [1, 2], data: [1, 0.5] }] }],
    modelMetadata: () => ["scorer"],
    modelReady: () => ["scorer"],
    serverReady: () => [],
    serverLive: () => [],
    serverMetadata: () => [],
  },
  metadata: {
    start: () => [],
    stop: () => [],
    health: () => [],
    createExperiment: () => [{ name: "fresh" }],
    getExperiment: (f) => [f.experimentId],
    getExperimentByName: () => ["exp"],
    searchExperiments: () => [],
    renameExperiment: (f) => [f.experimentId, "renamed"],
    deleteExperiment: (f) => [f.experimentId],
    restoreExperiment: async (f) => {
      await f.stack.metadata.deleteExperiment(f.experimentId);
      return [f.experimentId];
    },
    setExperimentTag: (f) => [f.experimentId, "k", "v"],
    createRun: (f) => [{ experimentId: f.experimentId }],
    getRun: (f) => [f.runId],
    updateRun: (f) => [f.runId, { name: "renamed" }],
    endRun: (f) => [f.runId, "FINISHED"],
    deleteRun: (f) => [f.runId],
    restoreRun: async (f) => {
      await f.stack.metadata.deleteRun(f.runId);
      return [f.runId];
    },
    logBatch: (f) => [f.runId, { metrics: [{ key: "m", value: 1 }] }],
    logMetric: (f) => [f.runId, "m", 2],
    logParam: (f) => [f.runId, "p", "v"],
    setTag: (f) => [f.runId, "k", "v"],
    deleteTag: (f) => [f.runId, "t"],
    logInputs: (f) => [f.runId, [{ kind: "data-commit", repo: "loans", commit: f.commit }]],
    getMetricHistory: (f) => [f.runId, "loss"],
    searchRuns: (f) => [{ experimentIds: [f.experimentId] }],
    logArtifact: (f) => [f.runId, "notes.txt", bytes("notes")],
    listArtifacts: (f) => [f.runId],
    readArtifact: (f) => [f.runId, "model.json"],
    createRegisteredModel: () => ["fresh"],
    getRegisteredModel: () => ["scorer"],
    searchRegisteredModels: () => [],
    createModelVersion: async (f) => ["scorer", { source: await f.stack.artifacts.put(bytes(LINEAR_MODEL)) }],
    getModelVersion: (f) => ["scorer", f.model.version],
    deleteModelVersion: (f) => ["scorer", f.model.version],
    searchModelVersions: () => [{ model: "scorer" }],
    setAlias: (f) => ["scorer", "challenger", f.model.version],
    deleteAlias: () => ["scorer", "champion"],
    getModelVersionByAlias: () => ["scorer", "champion"],
    getAliasHistory: () => ["scorer"],
    putLineage: () => [{ executions: [{ id: "manual", type: "note" }] }],
    lineage: (f) => [f.model, { direction: "upstream" }],
    toOpenLineage: (f) => [f.runId],
  },
  monitor: {
    start: () => [],
    stop: () => [],
    health: () => [],
    registerDeployment: () => [
      { deployment: { kind: "deployment", name: "second" }, schema: { fields: [{ name: "x1", type: "float64" }] } },
    ],
    getDeployment: () => [DEPLOYMENT],
    listDeployments: () => [],
    setReference: () => [DEPLOYMENT, { rows }],
    getReference: () => [DEPLOYMENT],
    log: () => [DEPLOYMENT, [{ features: { x1: 0, x2: 0 }, prediction: 1 }]],
    logLabels: () => [DEPLOYMENT, [{ requestId: "r11", label: 1 }]],
    windowAt: (f) => [DEPLOYMENT, f.windowStart],
    profile: (f) => [window(f)],
    drift: (f) => [window(f)],
    quality: (f) => [window(f)],
    performance: (f) => [window(f)],
    putAlertRule: () => [
      { deployment: DEPLOYMENT, name: "drift", metric: "dataset_drift", comparison: ">=", threshold: 1 },
    ],
    listAlertRules: () => [DEPLOYMENT],
    deleteAlertRule: (f) => [f.ruleId],
    evaluateAlerts: () => [DEPLOYMENT],
    metrics: () => [],
  },
};

/** What the calls touching several resources are checked on, spelled out (the rest name one resource or `*`). */
const SEVERAL: Partial<Record<string, readonly (readonly [Permission, string])[]>> = {
  "data.runPipeline": [
    ["data:read", "loans"],
    ["data:write", "loans-out"],
  ],
  "data.explain": [
    ["data:read", "loans"],
    ["data:read", "loans-out"],
  ],
  "data.subscribe": [
    ["data:read", "loans"],
    ["data:write", "loans-out"],
  ],
  "features.apply": [["features:admin", "scoring"]],
  "features.getHistoricalFeatures": [
    ["features:read", "stats"],
    ["features:read", "other"],
  ],
  "features.streamHistoricalFeatures": [["features:read", "scoring"]],
  "features.getOnlineFeatures": [
    ["features:read", "stats"],
    ["features:read", "other"],
  ],
  "features.materializeIncremental": [
    ["features:write", "stats"],
    ["features:write", "other"],
  ],
  "training.submit": [
    ["training:submit", "fixture"],
    ["data:read", "loans"],
  ],
  "serving.deploy": [
    ["serving:deploy", "second"],
    ["models:read", "scorer"],
  ],
  "serving.update": [
    ["serving:deploy", "scorer"],
    ["models:read", "scorer"],
  ],
  "metadata.searchRuns": [["metadata:read", "exp-id"]],
  "monitor.deleteAlertRule": [["monitor:admin", "*"]],
};

/** Everything observable in the stack, through the owner's view: equal before and after a refused call. */
async function snapshot(stack: TestStack): Promise<unknown> {
  const { data, features, training, serving, metadata, monitor } = stack;
  const repos = await data.listRepos();
  const experiments = (await metadata.searchExperiments({ lifecycle: "all" })).items;
  const runs = (await metadata.searchRuns({ experimentIds: experiments.map((e) => e.experimentId), lifecycle: "all" }))
    .items;
  const online = await features.getOnlineFeatures({
    features: ["stats:income", "other:age"],
    entityRows: [1, 2, 3, 4, 5].map((id) => ({ customer_id: id })),
  });
  const historical = await features.getHistoricalFeatures({
    features: ["stats:income"],
    entityRows: [1, 4, 5].map((id) => ({ customer_id: id, event_timestamp: stack.clock.now() })),
  });
  return {
    repos,
    branches: await Promise.all(repos.map((r) => data.listBranches(r.name))),
    definitions: await features.listDefinitions(),
    online: online.rows,
    historical: historical.rows,
    trainers: await training.listTrainers(),
    jobs: (await training.listJobs()).map((j) => [j.ref.jobId, j.state]),
    deployments: (await serving.list()).map((d) => [d.name, d.revision, d.traffic]),
    experiments,
    runs: await Promise.all(runs.map((r) => metadata.listArtifacts(r.runId).then((a) => [r, a]))),
    models: await metadata.searchRegisteredModels(),
    versions: await metadata.searchModelVersions({ includeDeleted: true }),
    monitored: await monitor.listDeployments(),
    references: await monitor.getReference(DEPLOYMENT).catch((e) => e.code),
    rules: await monitor.listAlertRules(),
    profile: await monitor.profile(window(fixture)).catch((e) => e.code),
    performance: await monitor.performance(window(fixture)).catch((e) => e.code),
  };
}

/** Finishes what a call returned: drains streams, closes subscriptions. */
async function settle(result: unknown): Promise<unknown> {
  const value = await result;
  if (typeof value === "object" && value !== null && Symbol.asyncIterator in value) {
    for await (const _ of value as AsyncIterable<unknown>) {
      // drained
    }
    const ref = (value as { ref?: unknown }).ref;
    if (ref instanceof Promise) await ref;
  }
  if (typeof value === "object" && value !== null && typeof (value as { close?: unknown }).close === "function") {
    await (value as { close(): Promise<void> }).close();
  }
  return value;
}

function call(brick: object, method: string, args: readonly unknown[]): unknown {
  return (brick as Record<string, (...a: unknown[]) => unknown>)[method]?.(...args);
}

async function outcome(run: () => unknown): Promise<unknown> {
  try {
    return await settle(run());
  } catch (error) {
    return error;
  }
}

let fixture: Fixture;
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "mlstack-access-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("the permission table", () => {
  it("covers every method of every real memory brick; what it does not know is an emitter method or refused", async () => {
    const f = await createFixture(folder);
    // Internal methods of the reference engines: callable in JS, not part of any interface, refused.
    const internal: Record<SlotName, string[]> = {
      data: [
        "run",
        "progress",
        "putJson",
        "getJson",
        "commitObject",
        "repoInfo",
        "head",
        "resolve",
        "commitWith",
        "fileEntry",
        "walkPrefix",
        "listPrefix",
      ],
      features: [],
      training: [],
      serving: [],
      metadata: [],
      monitor: [],
    };
    const admin = f.stack.as({ id: "root", roles: [...PERMISSIONS] });
    for (const slot of SLOTS) {
      const real = f.stack.entries().find((e) => e.slot === slot)?.brick as object;
      const table = BRICK_PERMISSIONS[slot] as Record<string, unknown>;
      const methods = new Set<string>();
      for (let o: object | null = real; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        for (const key of Object.getOwnPropertyNames(o)) {
          if (key !== "constructor" && typeof (real as Record<string, unknown>)[key] === "function") methods.add(key);
        }
      }
      const uncovered = [...methods].filter(
        (m) => !Object.hasOwn(table, m) && !LISTENER_METHODS.has(m) && !EMITTER_ADMIN_METHODS.has(m),
      );
      expect(uncovered.sort(), `${slot}: methods neither in the table nor known internals`).toEqual(
        [...internal[slot]].sort(),
      );
      for (const m of Object.keys(table))
        expect(methods.has(m), `${slot}.${m} is in the table but not on the brick`).toBe(true);
      for (const m of uncovered) {
        const error = await outcome(() => call(admin.brick(slot), m, []));
        expect(isMlstackError(error, "PERMISSION_DENIED"), `${slot}.${m}`).toBe(true);
        expect((error as Error).message).toContain("not in the access table");
      }
    }
    await f.stack.stop();
  });
});

for (const slot of SLOTS) {
  describe(`${slot} brick through a principal's view`, () => {
    for (const method of Object.keys(BRICK_PERMISSIONS[slot])) {
      const rule = (BRICK_PERMISSIONS[slot] as Record<string, (typeof BRICK_PERMISSIONS)["data"]["getRepo"]>)[method];
      const makeArgs = (CASES[slot] as Record<string, (f: Fixture) => Args>)[method];
      it(`${method}: ${rule?.permission} on ${rule?.resource}`, async () => {
        if (rule === undefined || makeArgs === undefined) throw new Error("no rule or case");
        fixture = await createFixture(folder);
        const { stack } = fixture;
        try {
          const args = await makeArgs(fixture);
          const required = rule.requirements(args);
          const expected = SEVERAL[`${slot}.${method}`];
          if (expected !== undefined) {
            expect(
              required.map((r) => [r.permission, r.resource === fixture.experimentId ? "exp-id" : r.resource]),
            ).toEqual(expected);
          }
          const permissions = [...new Set(required.map((r) => r.permission))];
          const decisions: AccessDecision[] = [];
          stack.events.on("access", (d) => decisions.push(d));

          // Without the permission (no grant at all, or every other one the call needs): refused, nothing changed.
          const before = await snapshot(stack);
          const denials = [
            [],
            ...(permissions.length > 1 ? permissions.map((p) => permissions.filter((q) => q !== p)) : []),
          ];
          for (const granted of denials) {
            const view = stack.as({ id: "mallory", roles: granted.length === 0 ? ["nobody"] : granted });
            const error = await outcome(() => call(view.brick(slot), method, args));
            expect(isMlstackError(error, "PERMISSION_DENIED"), `${slot}.${method} with [${granted}]`).toBe(true);
            const missing = permissions.find((p) => !granted.includes(p));
            expect((error as Error).message).toContain(missing);
            expect((error as Error).message).toContain(`${slot}.${method}`);
            expect((error as Error).message).toContain("mallory");
          }
          expect(await snapshot(stack)).toEqual(before);

          // With exactly the permissions it needs: it succeeds, and each resource it touches was checked.
          decisions.length = 0;
          const view = stack.as({ id: "alice", roles: permissions });
          const result = await outcome(() => call(view.brick(slot), method, args));
          if (result instanceof Error) throw result;
          expect(decisions.map((d) => [d.permission, d.resource, d.allowed])).toEqual(
            required.map((r) => [r.permission, r.resource, true]),
          );
          expect(decisions.every((d) => d.principal === "alice" && d.operation === `${slot}.${method}`)).toBe(true);
        } finally {
          await stack.stop();
        }
      });
    }
  });
}

/** The stack's own workflows: the permissions each needs, and a valid call. */
const WORKFLOWS: Record<
  string,
  {
    readonly permissions: readonly Permission[];
    readonly operation?: string;
    readonly run: (s: Stack, f: Fixture) => unknown;
  }
> = {
  buildTrainingSet: {
    permissions: ["features:read"],
    run: (s, f) =>
      s.buildTrainingSet({
        features: ["stats:income"],
        entityRows: [{ customer_id: 1, event_timestamp: f.stack.clock.now() }],
      }),
  },
  train: {
    permissions: ["training:submit"],
    run: (s) => s.train({ trainer: { name: "fixture", version: "1" }, params: { x: 0.3 } }),
  },
  sweep: {
    permissions: ["training:submit"],
    run: (s) =>
      s.sweep({
        trainer: { name: "fixture", version: "1" },
        space: { x: { type: "uniform", low: 0, high: 1 } },
        objective: { metric: "score", goal: "max" },
        algorithm: "random",
        maxTrials: 2,
      }),
  },
  runOf: {
    permissions: ["metadata:read"],
    run: (s, f) => s.runOf({ kind: "training-job", jobId: f.jobId }),
  },
  registerModel: {
    permissions: ["models:register", "models:promote"],
    run: (s, f) =>
      s.registerModel({ job: { kind: "training-job", jobId: f.jobId }, model: "trained", alias: "champion" }),
  },
  deploy: {
    permissions: ["serving:deploy", "models:read", "monitor:admin"],
    run: (s, f) => s.deploy({ model: f.model, name: "stack-deployed", monitor: { reference: { rows } } }),
  },
  onDrift: {
    permissions: ["monitor:read", "training:submit", "models:register", "serving:deploy"],
    run: async (s) => {
      const loop = s.onDrift({
        deployment: "scorer",
        trainingSet: async () => ({ kind: "training-set", id: "ts", contentHash: "h" }),
      });
      await loop.close();
    },
  },
  lineage: { permissions: ["lineage:read"], run: (s, f) => s.lineage(f.model) },
  // explain() checks through lineage(), so the decision names stack.lineage.
  explain: { permissions: ["lineage:read"], operation: "stack.lineage", run: (s, f) => s.explain(f.model) },
  start: { permissions: ["stack:admin"], run: (s) => s.start() },
  stop: { permissions: ["stack:admin"], run: (s) => s.stop() },
};

describe("the stack's workflows through a principal's view", () => {
  for (const [name, workflow] of Object.entries(WORKFLOWS)) {
    it(`${name}: ${workflow.permissions.join(" + ")}`, async () => {
      fixture = await createFixture(folder);
      const { stack } = fixture;
      try {
        const before = await snapshot(stack);
        const denials = [
          [],
          ...(workflow.permissions.length > 1
            ? workflow.permissions.map((p) => workflow.permissions.filter((q) => q !== p))
            : []),
        ];
        for (const granted of denials) {
          const view = stack.as({ id: "mallory", roles: granted.length === 0 ? ["nobody"] : granted });
          const error = await outcome(() => workflow.run(view, fixture));
          expect(isMlstackError(error, "PERMISSION_DENIED"), `${name} with [${granted}]: ${String(error)}`).toBe(true);
          expect((error as Error).message).toContain(workflow.permissions.find((p) => !granted.includes(p)));
          expect((error as Error).message).toContain(workflow.operation ?? `stack.${name}`);
        }
        expect(await snapshot(stack)).toEqual(before);

        // With the permissions it succeeds.
        const result = await outcome(() =>
          workflow.run(stack.as({ id: "alice", roles: [...workflow.permissions] }), fixture),
        );
        if (result instanceof Error) throw result;
      } finally {
        await stack.stop();
      }
    });
  }
});
