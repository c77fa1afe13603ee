import type { Metric, Registry } from "prom-client";

// prom-client's own Counter and Histogram re-validate and re-hash the label values on every call, a few
// hundred nanoseconds each, several times per request. These metrics hand out one series object per label
// set instead, whose updates are plain number increments, and render through the registry like prom-client's.

type Labels = Record<string, string>;

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface MetricData {
  name: string;
  help: string;
  type: "counter" | "histogram";
  values: MetricValue[];
  aggregator: "sum";
}

/** One counter series: the running total of one label set. */
export class CounterSeries {
  /** The total so far. */
  value = 0;
  constructor(readonly labels: Readonly<Labels>) {}
  /** Adds `by` (1 by default). */
  inc(by = 1): void {
    this.value += by;
  }
  /** Back to zero. */
  zero(): void {
    this.value = 0;
  }
}

/** One histogram series: bucket counts, sum and count of one label set. */
export class HistogramSeries {
  /** Counts per bucket (not cumulative); the last one is `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Readonly<Labels>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  /** Records one observation; non-finite values are ignored, as they would corrupt the sum. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
  /** Back to zero. */
  zero(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

abstract class LabelledMetric<S extends { labels: Readonly<Labels>; zero(): void }> {
  readonly aggregator = "sum" as const;
  #series = new Map<string, S>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    // The registry only reads name, get() and reset(): the shape every prom-client metric has.
    registry.registerMetric(this as unknown as Metric);
  }
  protected abstract make(labels: Labels): S;
  /** The series of these label values (in `labelNames` order), created at zero the first time. */
  series(...values: string[]): S {
    const key = values.join("\u0000");
    let s = this.#series.get(key);
    if (!s) {
      const labels: Labels = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = values[i] ?? "";
      });
      s = this.make(labels);
      this.#series.set(key, s);
    }
    return s;
  }
  protected all(): IterableIterator<S> {
    return this.#series.values();
  }
  /** Zeroes every series in place (`registry.resetMetrics()`): holders of a series keep counting into it. */
  reset(): void {
    for (const s of this.#series.values()) s.zero();
  }
}

/** A Prometheus counter with labels, registered in `registry`. */
export class LabelledCounter extends LabelledMetric<CounterSeries> {
  readonly type = "counter" as const;
  protected make(labels: Labels): CounterSeries {
    return new CounterSeries(labels);
  }
  /** The metric as prom-client's registry renders it. */
  async get(): Promise<MetricData> {
    const values = [...this.all()].map((s) => ({ value: s.value, labels: { ...s.labels } }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** A Prometheus histogram with labels and fixed buckets, registered in `registry`. */
export class LabelledHistogram extends LabelledMetric<HistogramSeries> {
  readonly type = "histogram" as const;
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }
  protected make(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.buckets);
  }
  /** The metric as prom-client's registry renders it: cumulative `_bucket`s with `le` first, `_sum`, `_count`. */
  async get(): Promise<MetricData> {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += s.counts[i] as number;
        values.push({ value: acc, labels: { le, ...s.labels }, metricName: bucket });
      });
      values.push({ value: s.count, labels: { le: "+Inf", ...s.labels }, metricName: bucket });
      values.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
