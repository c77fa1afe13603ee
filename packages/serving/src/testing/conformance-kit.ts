import {
  type ArtifactRef,
  type ArtifactStore,
  type LinearModel,
  MemoryArtifactStore,
  MlstackError,
  type ModelVersionRef,
} from "@mlstack/core";
import { createFunctionRuntime, type ModelFunction } from "../runtimes/function-runtime.js";
import { createLinearModelRuntime } from "../runtimes/linear-model-runtime.js";
import { DATATYPES, type Signature } from "../schemas.js";
import type { ModelRuntime, ModelVersionResolver, Tensor } from "../spec.js";

/** What an engine under test must be built with: the suite's runtimes, artifact store and registry. */
export interface ServingTestDeps {
  runtimes: ModelRuntime[];
  artifacts: ArtifactStore;
  resolveModelVersion: ModelVersionResolver;
}

/** A latch the suite opens to let gated model calls or loads go on. */
export interface Gate {
  readonly wait: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** The suite's models and the hooks it observes them through; a fresh one per test. */
export interface ConformanceKit {
  deps: ServingTestDeps;
  /** Rows of every call of the `recorder` model, in order. */
  recorded: number[];
  /** Opened to release calls of the `gated` model. */
  callGate: Gate;
  /** Opened to release loads of the `gated-load` runtime. */
  loadGate: Gate;
  /** Stores a linear model and registers it as a model version. */
  storeLinear(model: LinearModel, version: string): Promise<{ artifact: ArtifactRef; ref: ModelVersionRef }>;
}

/** The signature of the suite's function models: `x` [-1, 2] FP64 in; `y` [-1, 2] and `sum` [-1] out. */
export const PAIR_SIGNATURE: Signature = {
  inputs: [{ name: "x", datatype: "FP64", shape: [-1, 2] }],
  outputs: [
    { name: "y", datatype: "FP64", shape: [-1, 2] },
    { name: "sum", datatype: "FP64", shape: [-1] },
  ],
};

/** One input and one output per datatype, `[-1, 2]` each: `in_<TYPE>` echoed as `out_<TYPE>`. */
export const ALL_TYPES_SIGNATURE: Signature = {
  inputs: DATATYPES.map((d) => ({ name: `in_${d}`, datatype: d, shape: [-1, 2] })),
  outputs: DATATYPES.map((d) => ({ name: `out_${d}`, datatype: d, shape: [-1, 2] })),
};

function scale(factor: number): ModelFunction {
  return (inputs) => {
    const x = inputs.x as Tensor;
    const data = x.data as readonly number[];
    const rows = x.shape[0] as number;
    const y = new Float64Array(data.length);
    const sum = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      y[2 * r] = factor * (data[2 * r] as number);
      y[2 * r + 1] = factor * (data[2 * r + 1] as number);
      sum[r] = (data[2 * r] as number) + (data[2 * r + 1] as number);
    }
    return { y: { shape: [rows, 2], data: y }, sum: { shape: [rows], data: sum } };
  };
}

/** Builds a fresh kit. */
export function createConformanceKit(): ConformanceKit {
  const recorded: number[] = [];
  const callGate = gate();
  const loadGate = gate();
  const double = scale(2);
  const functions: Record<string, ModelFunction> = {
    double,
    triple: scale(3),
    // Fails any batch holding a row whose first value is 13.
    flaky: (inputs) => {
      const data = (inputs.x as Tensor).data as readonly number[];
      for (let i = 0; i < data.length; i += 2) if (data[i] === 13) throw new Error("13 is unlucky");
      return double(inputs);
    },
    recorder: (inputs) => {
      recorded.push((inputs.x as Tensor).shape[0] as number);
      return double(inputs);
    },
    gated: async (inputs) => {
      await callGate.wait;
      return double(inputs);
    },
    "wrong-shape": () => ({ y: { shape: [1, 2], data: [0, 0] }, sum: { shape: [1], data: [0] } }),
    echo: (inputs) =>
      Object.fromEntries(
        Object.values(inputs).map((t) => [t.name.replace(/^in_/, "out_"), { shape: t.shape, data: t.data }]),
      ),
  };
  const fnRuntime = createFunctionRuntime(functions);
  const gatedLoad: ModelRuntime = {
    name: "gated-load",
    platform: "mlstack_test",
    async load(payload, signature, options) {
      await loadGate.wait;
      return fnRuntime.load(payload, signature, options);
    },
  };
  const artifacts = new MemoryArtifactStore();
  const registry = new Map<string, ArtifactRef>();
  return {
    deps: {
      runtimes: [fnRuntime, gatedLoad, createLinearModelRuntime()],
      artifacts,
      resolveModelVersion: async (ref) => {
        const artifact = registry.get(`${ref.model}/${ref.version}`);
        if (!artifact) throw new MlstackError("NOT_FOUND", `no model version ${ref.model}/${ref.version}`);
        return artifact;
      },
    },
    recorded,
    callGate,
    loadGate,
    async storeLinear(model, version) {
      const artifact = await artifacts.put(new TextEncoder().encode(JSON.stringify(model)));
      registry.set(`iris/${version}`, artifact);
      return { artifact, ref: { kind: "model-version", model: "iris", version } };
    },
  };
}
