import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createServingMetrics } from "../src/index.js";
import { doublingEngines } from "./fixtures/doubling-engines.js";

const engines = doublingEngines();
afterEach(engines.stop);
const engine = engines.create;

const request = (rows: number) => ({
  inputs: [{ name: "x", datatype: "FP64", shape: [rows, 2], data: Array.from({ length: rows * 2 }, (_, i) => i) }],
});

describe("serving metrics", () => {
  it("counts requests, rows and batches into cumulative histogram buckets", async () => {
    const e = await engine();
    const metrics = createServingMetrics(e);
    await e.predict("m", request(1));
    await e.predict("m", request(3));
    await expect(e.predict("m", { inputs: [] })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const text = await metrics.render();
    expect(text).toContain('mlstack_serving_requests_total{model="m",version="double",outcome="success"} 2');
    expect(text).toContain('mlstack_serving_inferences_total{model="m",version="double"} 4');
    expect(text).toContain('mlstack_serving_executions_total{model="m",version="double"} 2');
    expect(text).toContain('mlstack_serving_batch_size_rows_bucket{le="1",model="m",version="double"} 1');
    expect(text).toContain('mlstack_serving_batch_size_rows_bucket{le="2",model="m",version="double"} 1');
    expect(text).toContain('mlstack_serving_batch_size_rows_bucket{le="4",model="m",version="double"} 2');
    expect(text).toContain('mlstack_serving_batch_size_rows_bucket{le="+Inf",model="m",version="double"} 2');
    expect(text).toContain('mlstack_serving_batch_size_rows_sum{model="m",version="double"} 4');
    expect(text).toContain('mlstack_serving_request_compute_duration_seconds_count{model="m",version="double"} 2');
    expect(text).toContain("# TYPE mlstack_serving_request_queue_duration_seconds histogram");
    metrics.close();
  });

  it("works with the registry's JSON, reset and merge, and keeps counting after a reset", async () => {
    const e = await engine();
    const registry = new Registry();
    const metrics = createServingMetrics(e, registry);
    await e.predict("m", request(2));
    const json = await registry.getMetricsAsJSON();
    const executions = json.find((m) => m.name === "mlstack_serving_executions_total");
    expect(executions?.values).toEqual([{ value: 1, labels: { model: "m", version: "double" } }]);
    registry.resetMetrics();
    await e.predict("m", request(1));
    const merged = Registry.merge([registry, new Registry()]);
    const text = await merged.metrics();
    expect(text).toContain('mlstack_serving_inferences_total{model="m",version="double"} 1');
    expect(text).toContain('mlstack_serving_batch_size_rows_count{model="m",version="double"} 1');
    metrics.close();
    await e.predict("m", request(1));
    expect(await metrics.render()).toContain('mlstack_serving_inferences_total{model="m",version="double"} 1');
  });
});
