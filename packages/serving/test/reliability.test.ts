// Bounded load and fuzz tests over loopback HTTP: a model that fails on 1% of its inputs under
// concurrency 128, and malformed bodies generated with fast-check.
import { Agent, request } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createInferenceServer,
  createServingEngine,
  DATATYPES,
  type InferenceServer,
  type ServingEngine,
} from "../src/index.js";
import { createConformanceKit, PAIR_SIGNATURE } from "../src/testing/index.js";
import { oip } from "./spec-paths.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let engine: ServingEngine;
let server: InferenceServer;
beforeAll(async () => {
  engine = createServingEngine(createConformanceKit().deps);
  await engine.deploy({
    name: "flaky",
    runtime: "function",
    signature: PAIR_SIGNATURE,
    model: { kind: "function", name: "flaky" },
    batching: { maxBatchSize: 32, maxLatencyMs: 1 },
  });
  await engine.deploy({
    name: "m",
    runtime: "function",
    signature: PAIR_SIGNATURE,
    model: { kind: "function", name: "double" },
  });
  server = await createInferenceServer(engine, { maxBodyBytes: 4 * 1024 * 1024 });
});
afterAll(async () => {
  agent.destroy();
  await server.close();
  await engine.stop();
});

// node:http with a keep-alive agent: a lighter client than fetch, so the server is what is loaded.
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
function post(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

// Every hundredth request carries the value the model refuses.
const first = (i: number) => (i % 100 === 0 ? 13 : i + 0.5);

async function run(total: number, concurrency: number) {
  const failed: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const res = await post(
        "/v2/models/flaky/infer",
        JSON.stringify({
          id: String(i),
          inputs: [{ name: "x", datatype: "FP64", shape: [1, 2], data: [first(i), 1] }],
        }),
      );
      const body = JSON.parse(res.text);
      if (res.status === 200) {
        if (body.id !== String(i) || body.outputs[0].data[0] !== 2 * first(i)) throw new Error(`wrong answer for ${i}`);
      } else {
        expect(res.status).toBe(500);
        expect(typeof body.error).toBe("string");
        failed.push(i);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed.sort((a, b) => a - b);
}

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe("reliability", () => {
  it("20,000 requests at concurrency 128: exactly the bad 1% fail with 500, memory returns to baseline", async () => {
    await run(2000, 128);
    const baseline = heapMb();
    const failed = await run(20_000, 128);
    expect(failed).toEqual(Array.from({ length: 200 }, (_, k) => k * 100));
    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
    const stats = (await engine.stats("flaky")).versions.flaky;
    expect(stats?.failures).toBeGreaterThanOrEqual(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(heapMb() - baseline).toBeLessThan(16);
  }, 60_000);

  it("malformed bodies always get a 4xx with an error body, never a 500", async () => {
    const tensor = fc.record(
      {
        name: fc.oneof(fc.constant("x"), fc.string({ maxLength: 5 })),
        shape: fc.oneof(
          fc.constant([1, 2]),
          fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.double()), { maxLength: 4 }),
        ),
        datatype: fc.oneof(fc.constantFrom(...DATATYPES, "FP128", ""), fc.integer()),
        data: fc.oneof(
          fc.array(fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.string(), fc.constant(null)), { maxLength: 8 }),
          fc.jsonValue({ maxDepth: 4 }),
        ),
        parameters: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 })),
      },
      { requiredKeys: [] },
    );
    const deep = fc
      .integer({ min: 1_000, max: 200_000 })
      .map((n) => `{"inputs":[{"name":"x","datatype":"FP64","shape":[1,2],"data":${"[".repeat(n)}1${"]".repeat(n)}}]}`);
    const deepTail = fc
      .integer({ min: 1_000, max: 50_000 })
      .map(
        (n) => `{"inputs":[{"name":"x","datatype":"FP64","shape":[1,2],"data":[1,${"[".repeat(n)}${"]".repeat(n)}]}]}`,
      );
    const huge = fc
      .integer({ min: 100_000, max: 400_000 })
      .map((n) =>
        JSON.stringify({ inputs: [{ name: "x", datatype: "FP64", shape: [1, 2], data: new Array(n).fill(0.5) }] }),
      );
    const tooBig = fc.constant(`{"inputs":[{"name":"x","data":[${"1,".repeat(2_500_000)}1]}]}`);
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .record(
            {
              id: fc.jsonValue({ maxDepth: 1 }),
              inputs: fc.array(tensor, { maxLength: 3 }),
              outputs: fc.jsonValue({ maxDepth: 2 }),
            },
            { requiredKeys: [] },
          )
          .map((v) => JSON.stringify(v)),
      },
      { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: deep },
      { weight: 1, arbitrary: deepTail },
      { weight: 1, arbitrary: huge },
      { weight: 1, arbitrary: tooBig },
    );
    const contentType = fc.oneof(
      { weight: 5, arbitrary: fc.constant("application/json") },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "text/plain",
          "application/x-www-form-urlencoded",
          "application/jsonx",
          "multipart/form-data",
        ),
      },
    );
    const path = fc.constantFrom(
      "/v2/models/m/infer",
      "/v2/models/m/versions/double/infer",
      "/v2/models/m/versions/zz/infer",
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, path, async (text, type, target) => {
        const res = await fetch(`${server.url}${target}`, {
          method: "POST",
          headers: { "content-type": type },
          body: text,
        });
        const json = await res.json();
        if (res.status === 200) {
          // A random body can be a valid request by chance; it must then be a valid answer.
          oip.validate("inference_response", json);
          return;
        }
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        oip.validate("inference_error_response", json);
      }),
      { numRuns: 250 },
    );
    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
  }, 60_000);
});
