import { EventEmitter } from "eventemitter3";

/**
 * A typed event emitter (eventemitter3). `Events` maps each event name to its listener signature,
 * e.g. `TypedEmitter<{ progress: (e: ProgressEvent) => void }>`.
 */
export class TypedEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {}

/** The standard progress event that long operations emit as `progress`. */
export interface ProgressEvent {
  /** What is being done, e.g. `commit`, `materialize:driver_stats`. */
  task: string;
  /** Units done so far. */
  done: number;
  /** Units in total, when known. */
  total?: number;
  /** What a unit is: `files`, `bytes`, `rows`, `trials`. */
  unit: string;
}

/** Event map fragment for emitters that report progress. */
export interface ProgressEvents {
  progress: (event: ProgressEvent) => void;
}

/**
 * Renders a progress event as one line of text: a bar when the total is known, a counter otherwise.
 * Pure, so any UI (a terminal, a log line) can use it.
 */
export function formatProgress(event: ProgressEvent, width = 24): string {
  const count = `${event.done.toLocaleString("en-US")}${event.total === undefined ? "" : `/${event.total.toLocaleString("en-US")}`} ${event.unit}`;
  if (event.total === undefined || event.total <= 0) return `${event.task} ${count}`;
  const fraction = Math.min(1, Math.max(0, event.done / event.total));
  const filled = Math.round(fraction * width);
  const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
  return `${event.task} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${count}`;
}

/** Where {@link createProgressBar} writes. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * A progress display for a person watching a terminal: on a TTY it redraws one line in place,
 * elsewhere it prints a line at most every `intervalMs` and at completion, so logs stay short.
 */
export function createProgressBar(
  output: ProgressOutput,
  options: { intervalMs?: number; now?: () => number } = {},
): (event: ProgressEvent) => void {
  const interval = options.intervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const lastPrinted = new Map<string, number>();
  return (event) => {
    const complete = event.total !== undefined && event.done >= event.total;
    const line = formatProgress(event);
    if (output.isTTY) {
      output.write(`\r\x1b[2K${line}${complete ? "\n" : ""}`);
      return;
    }
    const last = lastPrinted.get(event.task);
    if (complete || last === undefined || now() - last >= interval) {
      lastPrinted.set(event.task, now());
      output.write(`${line}\n`);
    }
  };
}
