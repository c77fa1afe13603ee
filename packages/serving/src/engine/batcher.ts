import { type Clock, MlstackError, toMlstackError } from "@mlstack/core";

/** Settings of a {@link Batcher}. */
export interface BatcherOptions {
  /** Rows per model call; 1 with `maxLatencyMs` 0 means no batching. */
  maxBatchSize: number;
  /** How long the oldest waiting request may wait for others to join its batch. */
  maxLatencyMs: number;
  /** Requests waiting past which new ones are refused at once. */
  maxQueueSize: number;
  /** Model calls running at once. */
  concurrency: number;
  clock: Clock;
  /** Monotonic milliseconds, for durations. */
  timer: () => number;
}

/** How one request's call went, with its times. */
export interface BatchResult<O> {
  output: O;
  queueMs: number;
  computeMs: number;
}

/** The facts of one model call, for counters. */
export interface ExecutionReport {
  rows: number;
  computeMs: number;
  ok: boolean;
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

interface Pending<I, O> {
  input: I;
  rows: number;
  enqueuedAt: number;
  settled: boolean;
  /** Still waiting in the queue (not taken, not removed). */
  queued: boolean;
  resolve: (r: BatchResult<O>) => void;
  reject: (e: MlstackError) => void;
  cleanup: (() => void) | undefined;
}

/**
 * Adaptive batching over a model call. Requests arriving within `maxLatencyMs` of the oldest waiting one
 * are merged, up to `maxBatchSize` rows, and run at most `concurrency` at a time. A failing batch is
 * bisected until the failing requests are alone, so one bad request fails alone. The queue is bounded:
 * past `maxQueueSize` waiting requests, `submit` refuses at once with `RESOURCE_EXHAUSTED`.
 */
export class Batcher<I, O> {
  readonly #execute: (inputs: I[], rows: number[]) => O[] | PromiseLike<O[]>;
  readonly #options: BatcherOptions;
  readonly #onExecution: (report: ExecutionReport) => void;
  #queue: Pending<I, O>[] = [];
  #head = 0;
  #queuedRows = 0;
  #queuedCount = 0;
  #running = 0;
  #timer: AbortController | undefined;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(
    execute: (inputs: I[], rows: number[]) => O[] | PromiseLike<O[]>,
    options: BatcherOptions,
    onExecution: (report: ExecutionReport) => void = () => {},
  ) {
    this.#execute = execute;
    this.#options = options;
    this.#onExecution = onExecution;
  }

  /** Requests waiting to run. */
  get queued(): number {
    return this.#queuedCount;
  }

  /** Whether a new request would be refused now. */
  get full(): boolean {
    return this.#queuedCount >= this.#options.maxQueueSize;
  }

  /** Queues one request of `rows` rows; rejects with `TIMEOUT` past `timeoutMs`, `CANCELLED` when `signal` aborts. */
  submit(input: I, rows: number, timeoutMs?: number, signal?: AbortSignal): Promise<BatchResult<O>> {
    if (this.#closed) return Promise.reject(new MlstackError("UNAVAILABLE", "this model version is shutting down"));
    if (this.full) {
      return Promise.reject(
        new MlstackError("RESOURCE_EXHAUSTED", `queue full (${this.#options.maxQueueSize} requests waiting)`),
      );
    }
    if (signal?.aborted)
      return Promise.reject(new MlstackError("CANCELLED", "request aborted", { cause: signal.reason }));
    const { maxBatchSize, maxLatencyMs, concurrency } = this.#options;
    // What the scheduler would run at once anyway runs without a queue entry: the cheap common path.
    if (
      timeoutMs === undefined &&
      !signal &&
      this.#queuedCount === 0 &&
      this.#running < concurrency &&
      (maxLatencyMs === 0 || rows >= maxBatchSize)
    ) {
      return this.#direct(input, rows);
    }
    return new Promise<BatchResult<O>>((resolve, reject) => {
      const item: Pending<I, O> = {
        input,
        rows,
        enqueuedAt: this.#options.timer(),
        settled: false,
        queued: true,
        resolve,
        reject,
        cleanup: undefined,
      };
      if (timeoutMs !== undefined || signal) this.#watch(item, timeoutMs, signal);
      this.#queue.push(item);
      this.#queuedRows += rows;
      this.#queuedCount++;
      this.#schedule();
    });
  }

  // Runs at once; a model that answers synchronously is answered without an extra promise hop.
  #direct(input: I, rows: number): Promise<BatchResult<O>> {
    this.#running++;
    const t0 = this.#options.timer();
    let pending: O[] | PromiseLike<O[]>;
    try {
      pending = this.#execute([input], [rows]);
    } catch (error) {
      return Promise.reject(this.#directFailed(rows, t0, error));
    }
    if (isThenable(pending)) {
      return Promise.resolve(pending).then(
        (outputs) => this.#directDone(rows, t0, outputs),
        (error: unknown) => {
          throw this.#directFailed(rows, t0, error);
        },
      );
    }
    return Promise.resolve(this.#directDone(rows, t0, pending));
  }

  #directDone(rows: number, t0: number, outputs: O[]): BatchResult<O> {
    const computeMs = this.#options.timer() - t0;
    try {
      this.#onExecution({ rows, computeMs, ok: true });
    } finally {
      this.#directFinished();
    }
    return { output: outputs[0] as O, queueMs: 0, computeMs };
  }

  #directFailed(rows: number, t0: number, error: unknown): MlstackError {
    try {
      this.#onExecution({ rows, computeMs: this.#options.timer() - t0, ok: false });
    } finally {
      this.#directFinished();
    }
    return toMlstackError(error);
  }

  #directFinished(): void {
    this.#running--;
    this.#schedule();
    this.#checkIdle();
  }

  /** Refuses new requests, runs every waiting one now, and resolves when none is left running. */
  async drain(): Promise<void> {
    this.#closed = true;
    this.#timer?.abort();
    this.#schedule();
    if (this.#running === 0 && this.#queuedCount === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #watch(item: Pending<I, O>, timeoutMs: number | undefined, signal: AbortSignal | undefined): void {
    const stop = new AbortController();
    const fail = (error: MlstackError) => {
      if (item.settled) return;
      this.#settle(item);
      this.#dequeue(item);
      item.reject(error);
    };
    const onAbort = () => fail(new MlstackError("CANCELLED", "request aborted", { cause: signal?.reason }));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      this.#options.clock.sleep(timeoutMs, stop.signal).then(
        () => fail(new MlstackError("TIMEOUT", `no answer within the deadline of ${timeoutMs} ms`)),
        () => {},
      );
    }
    item.cleanup = () => {
      stop.abort();
      signal?.removeEventListener("abort", onAbort);
    };
  }

  #settle(item: Pending<I, O>): void {
    item.settled = true;
    item.cleanup?.();
  }

  // A request settled while still queued leaves the counts now; its slot is skipped when reached.
  #dequeue(item: Pending<I, O>): void {
    if (!item.queued) return;
    item.queued = false;
    this.#queuedRows -= item.rows;
    this.#queuedCount--;
    this.#checkIdle();
  }

  #skipRemoved(): void {
    while (this.#head < this.#queue.length && !(this.#queue[this.#head] as Pending<I, O>).queued) this.#head++;
  }

  #take(): Pending<I, O>[] {
    const batch: Pending<I, O>[] = [];
    let rows = 0;
    for (this.#skipRemoved(); this.#head < this.#queue.length; this.#skipRemoved()) {
      const next = this.#queue[this.#head] as Pending<I, O>;
      if (batch.length > 0 && rows + next.rows > this.#options.maxBatchSize) break;
      this.#head++;
      next.queued = false;
      batch.push(next);
      rows += next.rows;
      this.#queuedRows -= next.rows;
      this.#queuedCount--;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  #schedule(): void {
    const { maxBatchSize, maxLatencyMs, concurrency } = this.#options;
    while (this.#running < concurrency && this.#queuedCount > 0) {
      this.#skipRemoved();
      const oldest = this.#queue[this.#head] as Pending<I, O>;
      const waited = this.#options.timer() - oldest.enqueuedAt;
      if (!this.#closed && this.#queuedRows < maxBatchSize && waited < maxLatencyMs) {
        this.#arm(maxLatencyMs - waited);
        return;
      }
      void this.#run(this.#take());
    }
  }

  #arm(delayMs: number): void {
    if (this.#timer) return;
    const timer = new AbortController();
    this.#timer = timer;
    this.#options.clock.sleep(Math.max(1, Math.ceil(delayMs)), timer.signal).then(
      () => {
        this.#timer = undefined;
        this.#schedule();
      },
      () => {
        if (this.#timer === timer) this.#timer = undefined;
      },
    );
  }

  async #run(batch: Pending<I, O>[]): Promise<void> {
    this.#running++;
    this.#timer?.abort();
    this.#timer = undefined;
    const started = this.#options.timer();
    try {
      await this.#runPart(
        batch.filter((item) => !item.settled),
        started,
      );
    } finally {
      this.#running--;
      this.#schedule();
      this.#checkIdle();
    }
  }

  // Runs a batch; on failure splits it in halves and runs each, so only failing requests fail.
  async #runPart(batch: Pending<I, O>[], startedAt: number): Promise<void> {
    if (batch.length === 0) return;
    const rows = batch.map((item) => item.rows);
    const total = rows.reduce((a, b) => a + b, 0);
    const t0 = this.#options.timer();
    let outputs: O[];
    try {
      outputs = await this.#execute(
        batch.map((item) => item.input),
        rows,
      );
    } catch (error) {
      const computeMs = this.#options.timer() - t0;
      this.#onExecution({ rows: total, computeMs, ok: false });
      if (batch.length === 1) {
        const item = batch[0] as Pending<I, O>;
        if (!item.settled) {
          this.#settle(item);
          item.reject(toMlstackError(error));
        }
        return;
      }
      const half = batch.length >> 1;
      await this.#runPart(batch.slice(0, half), startedAt);
      await this.#runPart(batch.slice(half), startedAt);
      return;
    }
    const computeMs = this.#options.timer() - t0;
    this.#onExecution({ rows: total, computeMs, ok: true });
    batch.forEach((item, i) => {
      if (item.settled) return;
      this.#settle(item);
      item.resolve({ output: outputs[i] as O, queueMs: startedAt - item.enqueuedAt, computeMs });
    });
  }

  #checkIdle(): void {
    if (this.#running > 0 || this.#queuedCount > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
