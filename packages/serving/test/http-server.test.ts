import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  createInferenceClient,
  createInferenceServer,
  createServingEngine,
  type InferenceServer,
  type InferenceServerOptions,
  type ServingEngine,
} from "../src/index.js";
import { createConformanceKit, PAIR_SIGNATURE } from "../src/testing/index.js";
import { oip } from "./spec-paths.js";

const open: Array<{ server: InferenceServer; engine: ServingEngine }> = [];
afterEach(async () => {
  for (const { server, engine } of open.splice(0)) {
    await server.close();
    await engine.stop();
  }
});

async function start(options: InferenceServerOptions = {}, deploy = true) {
  const kit = createConformanceKit();
  const engine = createServingEngine(kit.deps);
  if (deploy)
    await engine.deploy({
      name: "m",
      runtime: "function",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "double" },
    });
  const server = await createInferenceServer(engine, options);
  open.push({ server, engine });
  return { kit, engine, server };
}

const body = { inputs: [{ name: "x", datatype: "FP64", shape: [1, 2], data: [1, 2] }] };

async function call(url: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  if (path === "/metrics") return { status: res.status, headers: res.headers, json: undefined, text };
  const json = text ? JSON.parse(text) : undefined;
  oip.validateResponse(init.method ?? "GET", path, res.status, json);
  return { status: res.status, headers: res.headers, json, text };
}

const post = (payload: unknown, headers: Record<string, string> = { "content-type": "application/json" }) => ({
  method: "POST",
  headers,
  body: typeof payload === "string" ? payload : JSON.stringify(payload),
});

describe("inference server: endpoints and status codes", () => {
  it("binds 127.0.0.1 on an ephemeral port", async () => {
    const { server } = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it("serves health, server metadata, model metadata and readiness, versioned or not", async () => {
    const { server } = await start();
    expect((await call(server.url, "/v2/health/live")).status).toBe(200);
    expect((await call(server.url, "/v2/health/ready")).status).toBe(200);
    expect((await call(server.url, "/v2")).json).toMatchObject({ name: "mlstack", extensions: [] });
    expect((await call(server.url, "/v2/")).status).toBe(200);
    expect((await call(server.url, "/v2/models/m")).json.platform).toBe("mlstack_function");
    expect((await call(server.url, "/v2/models/m/versions/double")).json.versions).toEqual(["double"]);
    expect((await call(server.url, "/v2/models/m/ready")).json).toEqual({ name: "m", ready: true });
    expect((await call(server.url, "/v2/models/m/versions/double/ready")).status).toBe(200);
    expect((await call(server.url, "/v2/models/m/versions/v9/ready")).status).toBe(404);
  });

  it("answers infer on versioned and unversioned paths and echoes the id", async () => {
    const { server } = await start();
    const a = await call(server.url, "/v2/models/m/infer", post({ ...body, id: "abc" }));
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ model_name: "m", model_version: "double", id: "abc" });
    const b = await call(server.url, "/v2/models/m/versions/double/infer", post(body));
    expect(b.status).toBe(200);
    expect(typeof b.json.id).toBe("string");
  });

  it("maps every failure to its status with a JSON error body", async () => {
    const { server } = await start({ maxBodyBytes: 1024 });
    const cases: Array<[string, RequestInit, number]> = [
      ["/v2/models/nope/infer", post(body), 404],
      ["/v2/models/m/versions/v9/infer", post(body), 404],
      ["/v2/models/m/infer", post("{not json"), 400],
      ["/v2/models/m/infer", post({ inputs: [{ ...body.inputs[0], data: [1] }] }), 400],
      ["/v2/models/m/infer", post({ inputs: [{ ...body.inputs[0], datatype: "INT64", data: [2 ** 60, 1] }] }), 400],
      ["/v2/models/m/infer", post(body, { "content-type": "text/plain" }), 415],
      ["/v2/models/m/infer", post({ inputs: [{ ...body.inputs[0], data: new Array(2000).fill(1) }] }), 413],
      ["/v2/models/m/infer", { method: "GET" }, 405],
      ["/v2/models/m/ready", post(body), 405],
      ["/v2/nothing", {}, 404],
      ["/v2/models/%E0%A4%A/infer", post(body), 400],
    ];
    for (const [path, init, status] of cases) {
      const r = await call(server.url, path, init);
      expect(r.status, `${init.method ?? "GET"} ${path}`).toBe(status);
      expect(typeof r.json.error).toBe("string");
    }
    expect((await call(server.url, "/v2/models/m/infer", post(body))).status).toBe(200);
  });

  it("a failing model is 500 and a full queue 429, and the server keeps answering", async () => {
    const { kit, engine, server } = await start();
    await engine.deploy({
      name: "flaky",
      runtime: "function",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "flaky" },
    });
    await engine.deploy({
      name: "gated",
      runtime: "function",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "gated" },
      maxQueueSize: 1,
    });
    const bad = await call(
      server.url,
      "/v2/models/flaky/infer",
      post({ inputs: [{ ...body.inputs[0], data: [13, 1] }] }),
    );
    expect(bad.status).toBe(500);
    expect(bad.json.error).toMatch(/13 is unlucky/);
    const first = call(server.url, "/v2/models/gated/infer", post(body));
    await new Promise((r) => setTimeout(r, 150));
    const second = call(server.url, "/v2/models/gated/infer", post(body));
    await new Promise((r) => setTimeout(r, 150));
    const third = await call(server.url, "/v2/models/gated/infer", post(body));
    expect(third.status).toBe(429);
    kit.callGate.open();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await call(server.url, "/v2/health/live")).status).toBe(200);
  });

  it("is not ready (503 with Retry-After) with no deployment", async () => {
    const { server } = await start({}, false);
    const r = await call(server.url, "/v2/health/ready");
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(await createInferenceClient(server.url).serverReady()).toBe(false);
  });

  it("checks a bearer token on everything but the health probes", async () => {
    const { server } = await start({ token: "s3cret" });
    expect((await call(server.url, "/v2/health/live")).status).toBe(200);
    expect((await call(server.url, "/v2/models/m/infer", post(body))).status).toBe(401);
    const wrong = await call(
      server.url,
      "/v2/models/m/infer",
      post(body, { "content-type": "application/json", authorization: "Bearer s3cres" }),
    );
    expect(wrong.status).toBe(401);
    const client = createInferenceClient(server.url, { token: "s3cret" });
    expect((await client.predict("m", body)).model_version).toBe("double");
    await expect(createInferenceClient(server.url).predict("m", body)).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
    });
  });

  it("exposes Prometheus metrics from its own registry", async () => {
    const { server } = await start();
    await call(server.url, "/v2/models/m/infer", post(body));
    await call(server.url, "/v2/models/m/infer", post({ inputs: [{ ...body.inputs[0], data: [1] }] }));
    const { status, text, headers } = await call(server.url, "/metrics");
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^text\/plain/);
    expect(text).toContain('mlstack_serving_requests_total{model="m",version="double",outcome="success"} 1');
    expect(text).toContain('mlstack_serving_requests_total{model="m",version="double",outcome="invalid"} 1');
    expect(text).toContain('mlstack_serving_inferences_total{model="m",version="double"} 1');
    expect(text).toContain('mlstack_serving_executions_total{model="m",version="double"} 1');
    expect(text).toContain("mlstack_serving_request_queue_duration_seconds_bucket");
    expect(text).toContain("mlstack_serving_request_compute_duration_seconds_bucket");
    expect(text).toContain('mlstack_serving_batch_size_rows_bucket{le="1",model="m",version="double"} 1');
    // Two servers over one engine keep separate registries (no global state).
    const other = await createInferenceServer(open[0]!.engine);
    open.push({ server: other, engine: open[0]!.engine });
    expect((await call(other.url, "/metrics")).text).not.toContain("outcome=");
  });

  it("shuts down gracefully: in-flight requests finish, new ones are refused", async () => {
    const { kit, engine, server } = await start();
    await engine.deploy({
      name: "gated",
      runtime: "function",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "gated" },
    });
    const inFlight = call(server.url, "/v2/models/gated/infer", post(body));
    await new Promise((r) => setTimeout(r, 150));
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 150));
    const refused = await fetch(`${server.url}/v2/health/live`).then(
      (r) => r.status,
      () => "refused",
    );
    expect([503, "refused"]).toContain(refused);
    kit.callGate.open();
    expect((await inFlight).status).toBe(200);
    await closing;
  });

  it("stays up when a client disconnects mid-request", async () => {
    const { kit, engine, server } = await start();
    await engine.deploy({
      name: "gated",
      runtime: "function",
      signature: PAIR_SIGNATURE,
      model: { kind: "function", name: "gated" },
    });
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/v2/models/gated/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      req.on("error", () => resolve());
      req.end(JSON.stringify(body));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 30);
    });
    kit.callGate.open();
    expect((await call(server.url, "/v2/models/m/infer", post(body))).status).toBe(200);
  });
});
