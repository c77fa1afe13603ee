import { MlstackError } from "./errors.js";

/** The source of time for a brick: injected so tests can control it. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with `CANCELLED` when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function cancelled(signal: AbortSignal): MlstackError {
  return new MlstackError("CANCELLED", "sleep was aborted", { cause: signal.reason });
}

/** The wall clock, with timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(cancelled(signal as AbortSignal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A clock that moves only when told to. Sleepers wake in order of their wake time (ties in the order
 * they started sleeping) when `advance` or `set` passes them. Time never moves backwards.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** How many sleepers are waiting. */
  get pendingSleepers(): number {
    return this.#sleepers.length;
  }

  /** Moves the clock to `time`; `INVALID_ARGUMENT` if that is in the past. */
  set(time: number): void {
    if (!Number.isFinite(time) || time < this.#now) {
      throw new MlstackError("INVALID_ARGUMENT", `ManualClock cannot move backwards (from ${this.#now} to ${time})`);
    }
    this.#now = time;
    this.#wake();
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new MlstackError("INVALID_ARGUMENT", `ManualClock.advance needs a non-negative duration, got ${ms}`);
    }
    this.set(this.#now + ms);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        wakeAt: this.#now + ms,
        seq: this.#seq++,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        sleeper.onAbort = () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(cancelled(signal));
        };
        signal.addEventListener("abort", sleeper.onAbort, { once: true });
      }
      this.#sleepers.push(sleeper);
    });
  }

  #wake(): void {
    const due = this.#sleepers.filter((s) => s.wakeAt <= this.#now);
    if (due.length === 0) return;
    this.#sleepers = this.#sleepers.filter((s) => s.wakeAt > this.#now);
    due.sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq);
    for (const s of due) {
      if (s.signal && s.onAbort) s.signal.removeEventListener("abort", s.onAbort);
      s.resolve();
    }
  }
}
