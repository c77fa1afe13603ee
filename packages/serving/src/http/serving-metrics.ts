import { Registry } from "prom-client";
import type { ExecutionObservation, RequestObservation, ServingEngine } from "../spec.js";
import { type CounterSeries, type HistogramSeries, LabelledCounter, LabelledHistogram } from "./prometheus-series.js";

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
  const requests = new LabelledCounter(
    "mlstack_serving_requests_total",
    "Inference requests by model, version and outcome.",
    ["model", "version", "outcome"],
    registry,
  );
  const inferences = new LabelledCounter(
    "mlstack_serving_inferences_total",
    "Rows scored.",
    ["model", "version"],
    registry,
  );
  const executions = new LabelledCounter(
    "mlstack_serving_executions_total",
    "Model calls (batches), failed ones included.",
    ["model", "version"],
    registry,
  );
  const queue = new LabelledHistogram(
    "mlstack_serving_request_queue_duration_seconds",
    "Time a request waited before its batch ran.",
    ["model", "version"],
    SECONDS,
    registry,
  );
  const compute = new LabelledHistogram(
    "mlstack_serving_request_compute_duration_seconds",
    "Model time of the batch that answered a request.",
    ["model", "version"],
    SECONDS,
    registry,
  );
  const batchSize = new LabelledHistogram(
    "mlstack_serving_batch_size_rows",
    "Rows per model call.",
    ["model", "version"],
    ROWS,
    registry,
  );
  // The series of one (model, version), found through two map lookups on the event's own strings
  // (no key string built per event); outcome series are made on first use.
  interface VersionSeries {
    outcomes: Map<string, CounterSeries>;
    queue: HistogramSeries;
    compute: HistogramSeries;
    executions: CounterSeries;
    inferences: CounterSeries;
    batchSize: HistogramSeries;
  }
  const byModel = new Map<string, Map<string, VersionSeries>>();
  const seriesOf = (model: string, version: string): VersionSeries => {
    let versions = byModel.get(model);
    if (!versions) byModel.set(model, (versions = new Map()));
    let s = versions.get(version);
    if (!s) {
      s = {
        outcomes: new Map(),
        queue: queue.series(model, version),
        compute: compute.series(model, version),
        executions: executions.series(model, version),
        inferences: inferences.series(model, version),
        batchSize: batchSize.series(model, version),
      };
      versions.set(version, s);
    }
    return s;
  };
  const onRequest = (e: RequestObservation) => {
    const s = seriesOf(e.deployment, e.version);
    let outcome = s.outcomes.get(e.outcome);
    if (!outcome) s.outcomes.set(e.outcome, (outcome = requests.series(e.deployment, e.version, e.outcome)));
    outcome.inc();
    if (e.outcome === "success") {
      s.queue.observe(e.queueMs / 1000);
      s.compute.observe(e.computeMs / 1000);
    }
  };
  const onExecution = (e: ExecutionObservation) => {
    const s = seriesOf(e.deployment, e.version);
    s.executions.inc();
    s.batchSize.observe(e.rows);
    if (e.ok) s.inferences.inc(e.rows);
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
