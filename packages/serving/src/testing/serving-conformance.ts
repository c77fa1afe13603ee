import { type ErrorCode, isMlstackError, type LinearModel, predictLinearModel } from "@mlstack/core";
import { afterEach, describe, expect, it } from "vitest";
import type { DeploymentSpecInput, InferenceRequest, PredictOptions } from "../schemas.js";
import type {
  InferencePredictor,
  InferenceResponse,
  ServingCapabilities,
  ServingEngine,
  ShadowMismatchEvent,
} from "../spec.js";
import { ALL_TYPES_SIGNATURE, createConformanceKit, PAIR_SIGNATURE, type ServingTestDeps } from "./conformance-kit.js";
import type { OipSchemaName } from "./oip-validator.js";

/** What `create` returns: the engine (for deployments) and the inference surface under test. */
export interface ServingConformanceTarget {
  /** Manages deployments. */
  engine: ServingEngine;
  /** Where inference and probes go: the engine itself, or a client of a server over it. */
  predictor: InferencePredictor;
  /** Releases everything `create` made. */
  close(): Promise<void>;
}

/** Options of {@link servingConformance}. */
export interface ServingConformanceOptions {
  name: string;
  /** The implementation's capability manifest (read without I/O); all true when omitted. */
  capabilities?: Partial<ServingCapabilities>;
  /** A fresh, isolated target whose engine uses `deps` (runtimes, artifacts, registry). */
  create: (deps: ServingTestDeps) => Promise<ServingConformanceTarget>;
  /** Checks a response body against the protocol spec (see `createOipValidator`). */
  validateBody?: (schema: OipSchemaName, body: unknown) => void;
}

/** A logistic model over two features, as the reference trainer writes it. */
export const CONFORMANCE_LINEAR_MODEL: LinearModel = {
  format: "mlstack.linear-model",
  formatVersion: 1,
  task: "binary-classification",
  link: "logistic",
  featureNames: ["a", "b"],
  weights: [0.8, -1.5],
  intercept: 0.25,
  scaling: { mean: [1, 2], scale: [2, 0.5] },
  signature: {
    inputs: {
      fields: [
        { name: "a", type: "float64" },
        { name: "b", type: "float64" },
      ],
    },
    outputs: { fields: [{ name: "probability", type: "float64" }] },
  },
};

const DEFAULT_CAPS: ServingCapabilities = {
  batching: true,
  trafficSplit: true,
  shadow: true,
  rollback: true,
  durable: false,
};

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | "resolved"> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    if (!isMlstackError(error)) throw error;
    return error.code;
  }
}

const pairs = (rows: number[][]): InferenceRequest => ({
  inputs: [{ name: "x", datatype: "FP64", shape: [rows.length, 2], data: rows.flat() }],
});

/**
 * The ServingEngine conformance suite: deployments and revisions, predict with the protocol's shapes,
 * datatypes and validation, traffic split and sticky routing, shadow traffic, adaptive batching with
 * bisection, bounded queues and deadlines, counters, the linear-model runtime and metadata.
 */
export function servingConformance(options: ServingConformanceOptions): void {
  const open: ServingConformanceTarget[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  async function setup() {
    const kit = createConformanceKit();
    const target = await options.create(kit.deps);
    open.push(target);
    const { engine, predictor } = target;
    const predict = async (model: string, request: InferenceRequest, opts?: PredictOptions) => {
      const response = await predictor.predict(model, request, opts);
      options.validateBody?.("inference_response", response);
      return response;
    };
    const deployPair = (name: string, fn: string, extra: Partial<DeploymentSpecInput> = {}) =>
      engine.deploy({
        name,
        runtime: "function",
        signature: PAIR_SIGNATURE,
        model: { kind: "function", name: fn },
        ...extra,
      } as DeploymentSpecInput);
    return { kit, engine, predictor, predict, deployPair };
  }

  const caps = { ...DEFAULT_CAPS, ...options.capabilities };

  describe(`ServingEngine conformance: ${options.name}`, () => {
    describe("brick contract", () => {
      it("declares itself a v1 serving brick with a frozen capability manifest", async () => {
        const { engine } = await setup();
        expect(engine.kind).toBe("serving");
        expect(engine.specificationVersion).toBe("v1");
        expect(Object.isFrozen(engine.capabilities)).toBe(true);
      });
    });

    describe("deployments", () => {
      it("deploys, lists and reports status with a deployment ref", async () => {
        const { engine, deployPair } = await setup();
        const status = await deployPair("pairs", "double");
        expect(status.ref).toEqual({ kind: "deployment", name: "pairs", revision: 1 });
        expect(status).toMatchObject({ name: "pairs", revision: 1, ready: true, state: "ready", runtime: "function" });
        expect(status.traffic).toEqual([
          { version: "double", model: { kind: "function", name: "double" }, weight: 100, shadow: false },
        ]);
        expect((await engine.list()).map((d) => d.name)).toEqual(["pairs"]);
        expect(await engine.status("pairs")).toEqual(status);
      });

      it("refuses invalid specs with INVALID_ARGUMENT and creates nothing", async () => {
        const { engine, deployPair } = await setup();
        const bad: unknown[] = [
          {
            name: "no spaces allowed",
            runtime: "function",
            signature: PAIR_SIGNATURE,
            model: { kind: "function", name: "double" },
          },
          {
            name: "m",
            runtime: "function",
            signature: { inputs: [], outputs: [] },
            model: { kind: "function", name: "double" },
          },
          { name: "m", runtime: "function", signature: PAIR_SIGNATURE },
          { name: "m", runtime: "nope", signature: PAIR_SIGNATURE, model: { kind: "function", name: "double" } },
          {
            name: "m",
            runtime: "function",
            signature: PAIR_SIGNATURE,
            traffic: [
              { model: { kind: "function", name: "double" }, weight: 60 },
              { model: { kind: "function", name: "triple" }, weight: 30 },
            ],
          },
        ];
        for (const spec of bad)
          expect(await codeOf(engine.deploy(spec as DeploymentSpecInput))).toBe("INVALID_ARGUMENT");
        expect(await engine.list()).toEqual([]);
        await deployPair("m", "double");
        expect(await codeOf(deployPair("m", "triple"))).toBe("ALREADY_EXISTS");
      });

      it("a model that fails to load leaves nothing deployed", async () => {
        const { engine, predictor, deployPair } = await setup();
        expect(await codeOf(deployPair("m", "no-such-function"))).not.toBe("resolved");
        expect(await engine.list()).toEqual([]);
        expect(await predictor.serverReady()).toBe(false);
        expect(await codeOf(predictor.predict("m", pairs([[1, 2]])))).toBe("NOT_FOUND");
      });

      it("is not ready while a deployment loads, and ready once it has", async () => {
        const { kit, engine, predictor } = await setup();
        expect(await predictor.serverReady()).toBe(false);
        const deploying = engine.deploy({
          name: "slow",
          runtime: "gated-load",
          signature: PAIR_SIGNATURE,
          model: { kind: "function", name: "double" },
        });
        await expect.poll(async () => (await engine.list()).length).toBe(1);
        expect((await engine.status("slow")).ready).toBe(false);
        expect(await predictor.serverReady()).toBe(false);
        expect(await predictor.modelReady("slow")).toBe(false);
        expect(await codeOf(predictor.predict("slow", pairs([[1, 2]])))).toBe("UNAVAILABLE");
        kit.loadGate.open();
        await deploying;
        expect(await predictor.serverReady()).toBe(true);
        expect(await predictor.modelReady("slow")).toBe(true);
        expect(await predictor.modelReady("slow", "double")).toBe(true);
        expect(await codeOf(predictor.modelReady("nope"))).toBe("NOT_FOUND");
        expect(await predictor.serverLive()).toBe(true);
      });

      it("update loads the new revision before traffic moves; a failed update keeps the old one serving", async () => {
        const { engine, predict, deployPair } = await setup();
        await deployPair("m", "double");
        expect(await codeOf(engine.update("m", { model: { kind: "function", name: "missing" } }))).not.toBe("resolved");
        const after = await engine.status("m");
        expect(after.revision).toBe(1);
        expect(after.ready).toBe(true);
        expect((await predict("m", pairs([[1, 2]]))).model_version).toBe("double");
        const updated = await engine.update("m", { model: { kind: "function", name: "triple" } });
        expect(updated.ref).toEqual({ kind: "deployment", name: "m", revision: 2 });
        const r = await predict("m", pairs([[1, 2]]));
        expect(r.model_version).toBe("triple");
        expect(r.outputs.find((o) => o.name === "y")?.data).toEqual([3, 6]);
      });

      it("keeps serving the old revision while the new one is loading", async () => {
        const { kit, engine, predict } = await setup();
        await engine.deploy({
          name: "m",
          runtime: "function",
          signature: PAIR_SIGNATURE,
          model: { kind: "function", name: "double" },
        });
        const updating = engine.update("m", { runtime: "gated-load", model: { kind: "function", name: "triple" } });
        await expect.poll(async () => (await engine.status("m")).pendingRevision).toBe(2);
        expect((await predict("m", pairs([[1, 1]]))).model_version).toBe("double");
        kit.loadGate.open();
        await updating;
        expect((await predict("m", pairs([[1, 1]]))).model_version).toBe("triple");
        expect((await engine.status("m")).pendingRevision).toBeUndefined();
      });

      it.runIf(caps.rollback)("rolls back to the previous revision, or a named one, as a new revision", async () => {
        const { engine, predict, deployPair } = await setup();
        await deployPair("m", "double");
        expect(await codeOf(engine.rollback("m"))).toBe("FAILED_PRECONDITION");
        await engine.update("m", { model: { kind: "function", name: "triple" } });
        const back = await engine.rollback("m");
        expect(back.revision).toBe(3);
        expect((await predict("m", pairs([[1, 1]]))).model_version).toBe("double");
        await engine.rollback("m", { revision: 2 });
        expect((await predict("m", pairs([[1, 1]]))).model_version).toBe("triple");
        expect(await codeOf(engine.rollback("m", { revision: 99 }))).toBe("NOT_FOUND");
        expect((await engine.status("m")).revisions).toEqual([1, 2, 3, 4]);
      });

      it("undeploys: the name is gone and can be reused", async () => {
        const { engine, predictor, deployPair } = await setup();
        await deployPair("m", "double");
        await engine.undeploy("m");
        expect(await engine.list()).toEqual([]);
        expect(await codeOf(engine.status("m"))).toBe("NOT_FOUND");
        expect(await codeOf(predictor.predict("m", pairs([[1, 2]])))).toBe("NOT_FOUND");
        expect(await codeOf(engine.undeploy("m"))).toBe("NOT_FOUND");
        expect(await predictor.serverReady()).toBe(false);
        await deployPair("m", "triple");
      });
    });

    describe("predict", () => {
      it("answers with the protocol's response shape and echoes the id", async () => {
        const { predict, deployPair } = await setup();
        await deployPair("m", "double");
        const r = await predict("m", {
          id: "42",
          ...pairs([
            [1, 2],
            [3, 4],
          ]),
        });
        expect(r).toEqual({
          model_name: "m",
          model_version: "double",
          id: "42",
          outputs: [
            { name: "y", shape: [2, 2], datatype: "FP64", data: [2, 4, 6, 8] },
            { name: "sum", shape: [2], datatype: "FP64", data: [3, 7] },
          ],
        } satisfies InferenceResponse);
      });

      it("generates an id when none is given, accepts explicit nulls and nested data", async () => {
        const { predict, deployPair } = await setup();
        await deployPair("m", "double");
        const a = await predict("m", {
          id: null,
          parameters: null,
          outputs: null,
          inputs: [
            {
              name: "x",
              datatype: "FP64",
              shape: [2, 2],
              parameters: null,
              data: [
                [1, 2],
                [3, 4],
              ],
            },
          ],
        });
        expect(typeof a.id).toBe("string");
        expect(a.id.length).toBeGreaterThan(0);
        const b = await predict(
          "m",
          pairs([
            [1, 2],
            [3, 4],
          ]),
        );
        expect(b.id).not.toBe(a.id);
        expect(a.outputs).toEqual(b.outputs);
      });

      it("returns only the requested outputs", async () => {
        const { predictor, predict, deployPair } = await setup();
        await deployPair("m", "double");
        const r = await predict("m", { ...pairs([[1, 2]]), outputs: [{ name: "sum" }] });
        expect(r.outputs).toEqual([{ name: "sum", shape: [1], datatype: "FP64", data: [3] }]);
        expect(await codeOf(predictor.predict("m", { ...pairs([[1, 2]]), outputs: [{ name: "nope" }] }))).toBe(
          "INVALID_ARGUMENT",
        );
      });

      it("refuses malformed inputs with INVALID_ARGUMENT", async () => {
        const { predictor, deployPair } = await setup();
        await deployPair("m", "double");
        const input = (over: Record<string, unknown>) => ({
          inputs: [{ name: "x", datatype: "FP64", shape: [1, 2], data: [1, 2], ...over }],
        });
        const bad: unknown[] = [
          input({ data: [1, 2, 3] }),
          input({ shape: [1, 3], data: [1, 2, 3] }),
          input({ datatype: "FP32" }),
          input({ name: "z" }),
          input({ data: [1, "2"] }),
          input({ data: [[1, 2, 3]] }),
          input({ shape: [0, 2], data: [] }),
          { inputs: [] },
          {
            inputs: [
              { name: "x", datatype: "FP64", shape: [1, 2], data: [1, 2] },
              { name: "x", datatype: "FP64", shape: [1, 2], data: [1, 2] },
            ],
          },
          { inputs: "x" },
          {},
        ];
        for (const request of bad) {
          expect(await codeOf(predictor.predict("m", request as InferenceRequest)), JSON.stringify(request)).toBe(
            "INVALID_ARGUMENT",
          );
        }
      });

      it("carries every datatype, flat or nested, and checks each value's range", async () => {
        const { engine, predictor, predict } = await setup();
        await engine.deploy({
          name: "types",
          runtime: "function",
          signature: ALL_TYPES_SIGNATURE,
          model: { kind: "function", name: "echo" },
        });
        const values: Record<string, unknown[]> = {
          BOOL: [true, false],
          UINT8: [0, 255],
          UINT16: [0, 65535],
          UINT32: [0, 4294967295],
          UINT64: [0, Number.MAX_SAFE_INTEGER],
          INT8: [-128, 127],
          INT16: [-32768, 32767],
          INT32: [-2147483648, 2147483647],
          INT64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
          FP16: [0.5, -65504],
          FP32: [1.5, -3.25],
          FP64: [Math.PI, -1e300],
          BYTES: ["hello", ""],
        };
        const request = (override: Record<string, unknown[]> = {}) => ({
          inputs: Object.entries({ ...values, ...override }).map(([d, data]) => ({
            name: `in_${d}`,
            datatype: d,
            shape: [1, 2],
            data: [data],
          })),
        });
        const r = await predict("types", request());
        for (const [d, data] of Object.entries(values)) {
          expect(r.outputs.find((o) => o.name === `out_${d}`)).toEqual({
            name: `out_${d}`,
            shape: [1, 2],
            datatype: d,
            data,
          });
        }
        const outOfRange: Record<string, unknown[]> = {
          BOOL: [1, 0],
          UINT8: [256, 0],
          UINT16: [-1, 0],
          UINT32: [4294967296, 0],
          UINT64: [2 ** 53 + 2, 0],
          INT8: [-129, 0],
          INT16: [32768, 0],
          INT32: [1.5, 0],
          INT64: [2 ** 60, 0],
          FP16: [70000, 0],
          FP32: [1e39, 0],
          FP64: ["1.0", 0],
          BYTES: [3, "a"],
        };
        for (const [d, data] of Object.entries(outOfRange)) {
          expect(await codeOf(predictor.predict("types", request({ [d]: data }))), d).toBe("INVALID_ARGUMENT");
        }
      });

      it("NOT_FOUND for an unknown model or version; a versioned call bypasses the split", async () => {
        const { predictor, predict, deployPair } = await setup();
        await deployPair("m", "double");
        expect(await codeOf(predictor.predict("nope", pairs([[1, 2]])))).toBe("NOT_FOUND");
        expect(await codeOf(predictor.predict("m", pairs([[1, 2]]), { version: "v9" }))).toBe("NOT_FOUND");
        expect(await codeOf(predictor.modelMetadata("m", "v9"))).toBe("NOT_FOUND");
        expect((await predict("m", pairs([[1, 2]]), { version: "double" })).model_version).toBe("double");
      });

      it("a model failure is INTERNAL, also a model that breaks its signature, and the engine keeps serving", async () => {
        const { predictor, predict, deployPair } = await setup();
        await deployPair("flaky", "flaky");
        await deployPair("broken", "wrong-shape");
        expect(await codeOf(predictor.predict("flaky", pairs([[13, 1]])))).toBe("INTERNAL");
        expect(
          await codeOf(
            predictor.predict(
              "broken",
              pairs([
                [1, 1],
                [2, 2],
              ]),
            ),
          ),
        ).toBe("INTERNAL");
        expect((await predict("flaky", pairs([[1, 1]]))).outputs[0]?.data).toEqual([2, 2]);
      });

      it("reports model and server metadata", async () => {
        const { predictor, deployPair } = await setup();
        await deployPair("m", "double");
        const meta = await predictor.modelMetadata("m");
        options.validateBody?.("metadata_model_response", meta);
        expect(meta).toEqual({
          name: "m",
          versions: ["double"],
          platform: "mlstack_function",
          inputs: PAIR_SIGNATURE.inputs,
          outputs: PAIR_SIGNATURE.outputs,
        });
        expect((await predictor.modelMetadata("m", "double")).versions).toEqual(["double"]);
        const server = await predictor.serverMetadata();
        options.validateBody?.("metadata_server_response", server);
        expect(typeof server.name).toBe("string");
        expect(await codeOf(predictor.modelMetadata("nope"))).toBe("NOT_FOUND");
      });

      it("counts requests, inferences (rows) and executions, with queue and compute time apart", async () => {
        const { engine, predict, deployPair } = await setup();
        await deployPair("m", "double");
        await predict(
          "m",
          pairs([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        );
        await predict("m", pairs([[1, 2]]));
        const stats = await engine.stats("m");
        expect(stats.ref).toEqual({ kind: "deployment", name: "m", revision: 1 });
        const v = stats.versions.double;
        expect(v).toMatchObject({ requests: 2, failures: 0, inferences: 4, executions: 2 });
        expect(v?.queueMs).toBeGreaterThanOrEqual(0);
        expect(v?.computeMs).toBeGreaterThanOrEqual(0);
      });
    });

    describe("runtimes", () => {
      it("serves the reference trainer's linear model from an artifact and from a model-version ref", async () => {
        const { kit, engine, predict } = await setup();
        const { artifact, ref } = await kit.storeLinear(CONFORMANCE_LINEAR_MODEL, "3");
        const signature = {
          inputs: [{ name: "features", datatype: "FP64" as const, shape: [-1, 2] }],
          outputs: [{ name: "probability", datatype: "FP64" as const, shape: [-1] }],
        };
        await engine.deploy({ name: "by-artifact", runtime: "linear", signature, model: artifact });
        const status = await engine.deploy({ name: "by-version", runtime: "linear", signature, model: ref });
        expect(status.traffic[0]?.version).toBe("3");
        const rows = [
          [1, 2],
          [3, 1.5],
          [-2, 4],
        ];
        const expected = [...predictLinearModel(CONFORMANCE_LINEAR_MODEL, rows)];
        const request = { inputs: [{ name: "features", datatype: "FP64", shape: [3, 2], data: rows.flat() }] };
        for (const name of ["by-artifact", "by-version"]) {
          const out = (await predict(name, request)).outputs[0]?.data as number[];
          for (const [i, p] of out.entries()) expect(p).toBeCloseTo(expected[i] as number, 12);
        }
        expect((await predict("by-version", request)).model_version).toBe("3");
        expect(
          await codeOf(
            engine.deploy({
              name: "x",
              runtime: "linear",
              signature,
              model: { kind: "model-version", model: "iris", version: "404" },
            }),
          ),
        ).toBe("NOT_FOUND");
        const wrong = { ...signature, outputs: [{ name: "prediction", datatype: "FP64" as const, shape: [-1] }] };
        expect(await codeOf(engine.deploy({ name: "y", runtime: "linear", signature: wrong, model: artifact }))).toBe(
          "INVALID_ARGUMENT",
        );
      });
    });

    describe.runIf(caps.trafficSplit)("traffic split", () => {
      const split = (a: number, b: number) => ({
        traffic: [
          { model: { kind: "function" as const, name: "double" }, weight: a },
          { model: { kind: "function" as const, name: "triple" }, weight: b },
        ],
      });

      it("routes by weight and keeps one caller on one version", async () => {
        const { engine, predict, deployPair } = await setup();
        await deployPair("m", "double", { model: undefined, ...split(70, 30) });
        const counts: Record<string, number> = {};
        const keys = Array.from({ length: 600 }, (_, i) => `caller-${i}`);
        const first = new Map<string, string>();
        await Promise.all(
          keys.map(async (key) => {
            const r = await predict("m", pairs([[1, 1]]), { routingKey: key });
            first.set(key, r.model_version);
            counts[r.model_version] = (counts[r.model_version] ?? 0) + 1;
          }),
        );
        expect((counts.double ?? 0) / keys.length).toBeGreaterThan(0.62);
        expect((counts.double ?? 0) / keys.length).toBeLessThan(0.78);
        for (const key of keys.slice(0, 40)) {
          const again = await predict("m", pairs([[1, 1]]), { routingKey: key });
          expect(again.model_version).toBe(first.get(key));
          const viaParameter = await predict("m", { ...pairs([[1, 1]]), parameters: { routing_key: key } });
          expect(viaParameter.model_version).toBe(first.get(key));
        }
        expect((await predict("m", pairs([[1, 1]]), { version: "triple" })).model_version).toBe("triple");
        expect(await codeOf(engine.update("m", split(50, 49)))).toBe("INVALID_ARGUMENT");
        await engine.update("m", split(0, 100));
        expect((await predict("m", pairs([[1, 1]]), { routingKey: "caller-1" })).model_version).toBe("triple");
      });
    });

    describe.runIf(caps.shadow)("shadow", () => {
      it("copies each routed request to the shadow, answers from the primary and reports mismatches", async () => {
        const { engine, predict, deployPair } = await setup();
        const shadow = { model: { kind: "function" as const, name: "triple" } };
        const events: ShadowMismatchEvent[] = [];
        engine.on("shadow-mismatch", (e) => events.push(e));
        await deployPair("m", "double", { shadow });
        for (let i = 0; i < 5; i++) {
          const r = await predict("m", pairs([[i, 1]]));
          expect(r.model_version).toBe("double");
          expect(r.outputs[0]?.data).toEqual([2 * i, 2]);
        }
        await expect.poll(async () => (await engine.stats("m")).shadow?.compared).toBe(5);
        const stats = await engine.stats("m");
        expect(stats.shadow).toMatchObject({ version: "triple", compared: 5, mismatches: 5, mismatchRate: 1 });
        expect(stats.versions.triple?.requests).toBe(5);
        expect(events).toHaveLength(5);
        expect(events[0]).toMatchObject({
          deployment: { kind: "deployment", name: "m", revision: 1 },
          primaryVersion: "double",
          shadowVersion: "triple",
          reason: "output",
          output: "y",
        });
        expect((await engine.status("m")).shadow).toMatchObject({ version: "triple", shadow: true });

        await engine.update("m", { shadow: { version: "twin", model: { kind: "function", name: "double" } } });
        await predict("m", pairs([[1, 1]]));
        await expect.poll(async () => (await engine.stats("m")).shadow?.compared).toBe(1);
        expect((await engine.stats("m")).shadow?.mismatchRate).toBe(0);
      });
    });

    describe.runIf(caps.batching)("batching", () => {
      it("merges concurrent requests into one batch and splits the answers back", async () => {
        const { kit, engine, predict, deployPair } = await setup();
        await deployPair("m", "recorder", { batching: { maxBatchSize: 8, maxLatencyMs: 2000 } });
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => predict("m", pairs([[i, i + 1]]))));
        for (const [i, r] of results.entries()) expect(r.outputs[0]?.data).toEqual([2 * i, 2 * i + 2]);
        expect(kit.recorded).toEqual([8]);
        expect((await engine.stats("m")).versions.recorder).toMatchObject({
          requests: 8,
          inferences: 8,
          executions: 1,
        });
      });

      it("never exceeds maxBatchSize rows", async () => {
        const { kit, predict, deployPair } = await setup();
        await deployPair("m", "recorder", { batching: { maxBatchSize: 8, maxLatencyMs: 5 } });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            predict(
              "m",
              pairs([
                [i, 0],
                [i, 1],
                [i, 2],
              ]),
            ),
          ),
        );
        for (const [i, r] of results.entries()) expect(r.outputs[1]?.data).toEqual([i, i + 1, i + 2]);
        expect(kit.recorded.reduce((a, b) => a + b, 0)).toBe(60);
        for (const rows of kit.recorded) expect(rows).toBeLessThanOrEqual(8);
      });

      it("bisects a failing batch so that only the bad request fails", async () => {
        const { engine, predictor, deployPair } = await setup();
        await deployPair("m", "flaky", { batching: { maxBatchSize: 16, maxLatencyMs: 2000 } });
        const settled = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) =>
            predictor.predict("m", pairs([[i === 5 || i === 11 ? 13 : 100 + i, 1]])),
          ),
        );
        settled.forEach((s, i) => {
          if (i === 5 || i === 11) {
            expect(s.status).toBe("rejected");
            expect(isMlstackError((s as PromiseRejectedResult).reason, "INTERNAL")).toBe(true);
          } else {
            expect(s.status).toBe("fulfilled");
            expect((s as PromiseFulfilledResult<InferenceResponse>).value.outputs[0]?.data).toEqual([200 + 2 * i, 2]);
          }
        });
        const v = (await engine.stats("m")).versions.flaky;
        expect(v).toMatchObject({ requests: 16, failures: 2, inferences: 14 });
      });
    });

    describe("capabilities switched off", () => {
      it.runIf(!caps.trafficSplit || !caps.shadow || !caps.batching || !caps.rollback)(
        "throw NOT_SUPPORTED",
        async () => {
          const { engine, deployPair } = await setup();
          const fn = (name: string) => ({ kind: "function" as const, name });
          if (!caps.trafficSplit) {
            const traffic = [
              { model: fn("double"), weight: 50 },
              { model: fn("triple"), weight: 50 },
            ];
            expect(await codeOf(deployPair("a", "double", { model: undefined, traffic }))).toBe("NOT_SUPPORTED");
          }
          if (!caps.shadow) {
            expect(await codeOf(deployPair("b", "double", { shadow: { model: fn("triple") } }))).toBe("NOT_SUPPORTED");
          }
          if (!caps.batching) {
            const batching = { maxBatchSize: 4, maxLatencyMs: 1 };
            expect(await codeOf(deployPair("c", "double", { batching }))).toBe("NOT_SUPPORTED");
          }
          if (!caps.rollback) {
            await deployPair("d", "double");
            expect(await codeOf(engine.rollback("d"))).toBe("NOT_SUPPORTED");
          }
        },
      );
    });

    describe("queue and deadlines", () => {
      it("refuses at once with RESOURCE_EXHAUSTED past the queue bound", async () => {
        const { kit, predictor, deployPair } = await setup();
        await deployPair("m", "gated", { maxQueueSize: 2, concurrency: 1 });
        const running = predictor.predict("m", pairs([[1, 1]]));
        await new Promise((r) => setTimeout(r, 200));
        const queued = [predictor.predict("m", pairs([[2, 2]])), predictor.predict("m", pairs([[3, 3]]))];
        await new Promise((r) => setTimeout(r, 200));
        expect(await codeOf(predictor.predict("m", pairs([[4, 4]])))).toBe("RESOURCE_EXHAUSTED");
        kit.callGate.open();
        for (const r of await Promise.all([running, ...queued])) expect(r.model_version).toBe("gated");
      });

      it("a request past its deadline fails with TIMEOUT", async () => {
        const { kit, predictor, deployPair } = await setup();
        await deployPair("m", "gated");
        expect(await codeOf(predictor.predict("m", pairs([[1, 1]]), { timeoutMs: 50 }))).toBe("TIMEOUT");
        expect(await codeOf(predictor.predict("m", { ...pairs([[1, 1]]), parameters: { timeout_ms: 50 } }))).toBe(
          "TIMEOUT",
        );
        kit.callGate.open();
        expect((await predictor.predict("m", pairs([[1, 1]]), { timeoutMs: 5000 })).model_version).toBe("gated");
      });
    });
  });
}
