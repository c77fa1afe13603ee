import { Counter, Histogram, Registry } from "prom-client";
import type { ExecutionObservation, RequestObservation, ServingEngine } from "../spec.js";

/** Prometheus metrics of one engine, in their own registry (never prom-client's global one). */
export interface ServingMetrics {
  readonly registry: Registry;
  /** The text exposition format. */
  render(): Promise<string>;
  /** The content type of {@link ServingMetrics.render}'s text. */
  readonly contentType: string;
  /** Stops listening to the engine. */
  close(): void;
}

const SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const ROWS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/**
 * Metrics following Prometheus naming (base units, `_total` counters), fed by the engine's `request` and
 * `execution` events: requests by model, version and outcome; inferences (rows) and executions (batches);
 * queue and compute duration histograms kept apart; a batch-size histogram in rows.
 */
export function createServingMetrics(engine: ServingEngine, registry: Registry = new Registry()): ServingMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: "mlstack_serving_requests_total",
    help: "Inference requests by model, version and outcome.",
    labelNames: ["model", "version", "outcome"] as const,
    registers,
  });
  const inferences = new Counter({
    name: "mlstack_serving_inferences_total",
    help: "Rows scored.",
    labelNames: ["model", "version"] as const,
    registers,
  });
  const executions = new Counter({
    name: "mlstack_serving_executions_total",
    help: "Model calls (batches), failed ones included.",
    labelNames: ["model", "version"] as const,
    registers,
  });
  const queue = new Histogram({
    name: "mlstack_serving_request_queue_duration_seconds",
    help: "Time a request waited before its batch ran.",
    labelNames: ["model", "version"] as const,
    buckets: SECONDS,
    registers,
  });
  const compute = new Histogram({
    name: "mlstack_serving_request_compute_duration_seconds",
    help: "Model time of the batch that answered a request.",
    labelNames: ["model", "version"] as const,
    buckets: SECONDS,
    registers,
  });
  const batchSize = new Histogram({
    name: "mlstack_serving_batch_size_rows",
    help: "Rows per model call.",
    labelNames: ["model", "version"] as const,
    buckets: ROWS,
    registers,
  });
  // Label children looked up once per (model, version, outcome): label resolution is the costly part.
  const children = new Map<string, unknown>();
  const child = <T>(key: string, make: () => T): T => {
    let c = children.get(key) as T | undefined;
    if (!c) children.set(key, (c = make()));
    return c;
  };
  const onRequest = (e: RequestObservation) => {
    const k = `${e.deployment}\u0000${e.version}`;
    child(`r${k}\u0000${e.outcome}`, () => requests.labels(e.deployment, e.version, e.outcome)).inc();
    if (e.outcome === "success") {
      child(`q${k}`, () => queue.labels(e.deployment, e.version)).observe(e.queueMs / 1000);
      child(`c${k}`, () => compute.labels(e.deployment, e.version)).observe(e.computeMs / 1000);
    }
  };
  const onExecution = (e: ExecutionObservation) => {
    const k = `${e.deployment}\u0000${e.version}`;
    child(`e${k}`, () => executions.labels(e.deployment, e.version)).inc();
    child(`b${k}`, () => batchSize.labels(e.deployment, e.version)).observe(e.rows);
    if (e.ok) child(`i${k}`, () => inferences.labels(e.deployment, e.version)).inc(e.rows);
  };
  engine.on("request", onRequest);
  engine.on("execution", onExecution);
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      engine.off("request", onRequest);
      engine.off("execution", onExecution);
    },
  };
}
