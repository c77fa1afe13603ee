// ServingEngine: HTTP infer throughput against a bare node:http handler, adaptive batching against no
// batching, and in-process predict overhead against calling the model function directly.
import { performance } from "node:perf_hooks";
import {
  createFunctionRuntime,
  createInferenceServer,
  createServingEngine,
  type DeploymentSpecInput,
  type ModelInputs,
  type ServingEngine,
} from "@mlstack/serving";
import type { BenchRow } from "./harness.js";
import { median } from "./harness.js";
import { loadTest, startBareServer } from "./serving-load.js";

const SECONDS = 5;
const ROUNDS = 3;

// The trivial model: doubles its input.
function double(data: readonly number[], shape: readonly number[]) {
  const y = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) y[i] = (data[i] as number) * 2;
  return { shape: [...shape], data: y };
}
const trivial = (inputs: ModelInputs) => {
  const x = inputs.x as ModelInputs[string];
  return { y: double(x.data as number[], x.shape) };
};

// A model whose cost is mostly per call: 1 ms, plus 10 µs per row (CPU-bound, like a JS model).
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
const perCall = (inputs: ModelInputs) => {
  busy(1 + 0.01 * ((inputs.x as ModelInputs[string]).shape[0] as number));
  return trivial(inputs);
};

const signature = {
  inputs: [{ name: "x", datatype: "FP64" as const, shape: [-1, 4] }],
  outputs: [{ name: "y", datatype: "FP64" as const, shape: [-1, 4] }],
};
const request = { inputs: [{ name: "x", datatype: "FP64", shape: [1, 4], data: [1, 2, 3, 4] }] };
const body = JSON.stringify(request);

function deployment(name: string, fn: string, extra: Partial<DeploymentSpecInput> = {}): DeploymentSpecInput {
  return { name, runtime: "function", signature, model: { kind: "function", name: fn }, ...extra };
}

async function httpThroughput(engine: ServingEngine): Promise<BenchRow> {
  await engine.deploy(deployment("trivial", "trivial"));
  const ours = await createInferenceServer(engine);
  const bare = await startBareServer(double);
  const url = `${ours.url}/v2/models/trivial/infer`;
  await loadTest(url, body, 64, 1);
  await loadTest(bare.url, body, 64, 1);
  const a: number[] = [];
  const b: number[] = [];
  const cpuA: number[] = [];
  const cpuB: number[] = [];
  let failures = 0;
  // CPU time of this process per request: the servers live here, the load generator does not.
  const measure = async (target: string, rps: number[], cpu: number[]) => {
    const c0 = process.cpuUsage();
    const r = await loadTest(target, body, 64, SECONDS);
    const c = process.cpuUsage(c0);
    failures += r.non2xx + r.errors;
    rps.push(r.requestsPerSecond);
    cpu.push((c.user + c.system) / (r.requestsPerSecond * SECONDS));
  };
  for (let i = 0; i < ROUNDS; i++) {
    await measure(url, a, cpuA);
    await measure(bare.url, b, cpuB);
  }
  await ours.close();
  await new Promise((resolve) => bare.server.close(resolve));
  const value = median(a);
  const baselineValue = median(b);
  return {
    benchmark: "HTTP infer, trivial model, 64 connections (autocannon, 2nd process)",
    value,
    unit: "req/s",
    baseline: "bare node:http: same JSON parse and function",
    baselineValue,
    ratio: value / baselineValue,
    target: "ratio >= 0.70",
    met: value / baselineValue >= 0.7 && failures === 0,
    note: `medians of ${ROUNDS} alternating ${SECONDS}s runs; server CPU ${median(cpuA).toFixed(0)} vs ${median(cpuB).toFixed(0)} µs/request; ${failures} failed requests`,
  };
}

async function batchingThroughput(engine: ServingEngine): Promise<BenchRow> {
  await engine.deploy(deployment("batched", "perCall", { batching: { maxBatchSize: 64, maxLatencyMs: 2 } }));
  await engine.deploy(deployment("unbatched", "perCall"));
  const server = await createInferenceServer(engine);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < 2; i++) {
    on.push((await loadTest(`${server.url}/v2/models/batched/infer`, body, 64, SECONDS)).requestsPerSecond);
    off.push((await loadTest(`${server.url}/v2/models/unbatched/infer`, body, 64, SECONDS)).requestsPerSecond);
  }
  await server.close();
  const value = median(on);
  const baselineValue = median(off);
  const stats = await engine.stats("batched");
  const v = stats.versions.perCall;
  const meanBatch = v ? v.inferences / v.executions : 0;
  return {
    benchmark: "HTTP infer, 1 ms-per-call model, 64 connections, batching on (64 rows, 2 ms)",
    value,
    unit: "req/s",
    baseline: "same model, batching off",
    baselineValue,
    ratio: value / baselineValue,
    target: "ratio >= 5",
    met: value / baselineValue >= 5,
    note: `mean batch ${meanBatch.toFixed(1)} rows`,
  };
}

async function inProcessOverhead(engine: ServingEngine): Promise<BenchRow> {
  await engine.deploy(deployment("inproc", "trivial"));
  const tensors = { x: { name: "x", datatype: "FP64" as const, shape: [1, 4], data: [1, 2, 3, 4] } };
  const n = 100_000;
  const viaEngine = async () => {
    for (let i = 0; i < n; i++) await engine.predict("inproc", request);
  };
  const direct = async () => {
    for (let i = 0; i < n; i++) await trivial(tensors);
  };
  await viaEngine();
  await direct();
  // CPU time (user + system) rather than wall time: on a shared machine, time spent descheduled is not ours.
  const cpuPerCall = async (fn: () => Promise<void>) => {
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  const e: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < 7; i++) {
    e.push(await cpuPerCall(viaEngine));
    d.push(await cpuPerCall(direct));
  }
  const value = median(e);
  const baselineValue = median(d);
  const overhead = value - baselineValue;
  return {
    benchmark: "in-process predict, trivial model, sequential",
    value,
    unit: "CPU µs/call",
    baseline: "the model function called directly (awaited)",
    baselineValue,
    ratio: value / baselineValue,
    target: "overhead < 5 µs/call",
    met: overhead < 5,
    note: `overhead ${overhead.toFixed(2)} µs/call; medians of 7 alternating rounds of ${n} calls`,
  };
}

export default async function servingBench(): Promise<BenchRow[]> {
  const engine = createServingEngine({ runtimes: [createFunctionRuntime({ trivial, perCall })] });
  try {
    return [await inProcessOverhead(engine), await httpThroughput(engine), await batchingThroughput(engine)];
  } finally {
    await engine.stop();
  }
}
