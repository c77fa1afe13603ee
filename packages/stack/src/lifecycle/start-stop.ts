import { isMlstackError, MlstackError } from "@mlstack/core";
import type { LifecycleEvent, SlotEntry } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { startOrder } from "./start-order.js";

interface LifecycleState {
  starting: Promise<void> | undefined;
  stopping: Promise<void> | undefined;
  /** The bricks started, in start order (what a stop or a rollback stops). */
  order: SlotEntry[];
  /** True once a stop completed and no start ran since: a second stop does nothing. */
  stopped: boolean;
}

// Per-stack state, keyed by the core so it lives and dies with the stack (nothing shared between stacks).
const states = new WeakMap<StackCore, LifecycleState>();

function stateOf(core: StackCore): LifecycleState {
  let state = states.get(core);
  if (state === undefined) {
    state = { starting: undefined, stopping: undefined, order: [], stopped: false };
    states.set(core, state);
  }
  return state;
}

function emit(core: StackCore, event: LifecycleEvent): void {
  try {
    core.events.emit("lifecycle", event);
  } catch {
    // A throwing listener must not leave bricks half started or half stopped.
  }
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
const describe = (e: SlotEntry): string => `${e.path} ("${e.brick.name}")`;

/**
 * Starts every brick in dependency order (see `startOrder`). Idempotent: a started stack stays as it
 * is, and concurrent calls share one start. When a brick fails to start, the bricks already started are
 * stopped again in reverse order, and the call rejects with an `MlstackError` naming the brick (its
 * code when the brick threw one, else `UNAVAILABLE`; the brick's error as `cause`).
 */
export function startStack(core: StackCore): Promise<void> {
  const state = stateOf(core);
  if (state.starting) return state.starting;
  if (core.started && !state.stopping) return Promise.resolve();
  const after = state.stopping?.catch(() => undefined) ?? Promise.resolve();
  const run = after.then(() => (core.started ? undefined : doStart(core, state)));
  state.starting = run;
  const clear = () => {
    if (state.starting === run) state.starting = undefined;
  };
  run.then(clear, clear);
  return run;
}

async function doStart(core: StackCore, state: LifecycleState): Promise<void> {
  const started: SlotEntry[] = [];
  for (const entry of startOrder(core)) {
    emit(core, { path: entry.path, phase: "starting" });
    try {
      await entry.brick.start?.();
    } catch (e) {
      const error = asError(e);
      emit(core, { path: entry.path, phase: "failed", error });
      const reverse = [...started].reverse();
      const rollback = await stopAll(core, reverse, "rolled-back");
      const rolledBack = reverse.map((s) => s.path).filter((p) => !rollback.some((f) => f.entry.path === p));
      throw new MlstackError(
        isMlstackError(error) ? error.code : "UNAVAILABLE",
        `could not start ${describe(entry)}: ${error.message}` +
          (rolledBack.length > 0 ? `; stopped again: ${rolledBack.join(", ")}` : "") +
          (rollback.length > 0 ? `; ${rollback.map((f) => `${f.entry.path} failed to stop too`).join(", ")}` : ""),
        {
          cause: error,
          details: {
            path: entry.path,
            brick: entry.brick.name,
            rolledBack,
            rollbackFailures: rollback.map((f) => ({ path: f.entry.path, message: f.error.message })),
          },
        },
      );
    }
    started.push(entry);
    emit(core, { path: entry.path, phase: "started" });
  }
  state.order = started;
  state.stopped = false;
  core.started = true;
}

/**
 * Stops the stack: waits for pending lineage and audit writes, then stops every brick in reverse start
 * order, each even when an earlier one fails, and rejects naming every failure. Idempotent: once a stop
 * has succeeded, another does nothing until the next start. A stack never started is stopped too (bricks
 * may have acquired resources on first use). Concurrent calls share one stop.
 */
export function stopStack(core: StackCore): Promise<void> {
  const state = stateOf(core);
  if (state.stopping) return state.stopping;
  const after = state.starting?.catch(() => undefined) ?? Promise.resolve();
  const run = after.then(() => (state.stopped ? undefined : doStop(core, state)));
  state.stopping = run;
  const clear = () => {
    if (state.stopping === run) state.stopping = undefined;
  };
  run.then(clear, clear);
  return run;
}

async function doStop(core: StackCore, state: LifecycleState): Promise<void> {
  const failures: { path: string; error: Error }[] = [];
  // Pending lineage and audit records are written while their MetadataStore is still up.
  for (const [what, idle] of [
    ["lineage", () => core.lineage?.idle()],
    ["access audit", () => core.access.idle()],
  ] as const) {
    try {
      await idle();
    } catch (e) {
      failures.push({ path: what, error: asError(e) });
    }
  }
  const order = core.started ? state.order : startOrder(core);
  const stopFailures = await stopAll(core, [...order].reverse(), "stopped");
  failures.push(...stopFailures.map((f) => ({ path: f.entry.path, error: f.error })));
  core.started = false;
  state.order = [];
  state.stopped = failures.length === 0;
  if (failures.length === 0) return;
  const first = failures[0]?.error;
  throw new MlstackError(
    failures.length === 1 && isMlstackError(first) ? first.code : "UNAVAILABLE",
    `could not stop cleanly: ${failures.map((f) => `${f.path}: ${f.error.message}`).join("; ")}`,
    {
      cause: failures.length === 1 ? first : new AggregateError(failures.map((f) => f.error)),
      details: { failures: failures.map((f) => ({ path: f.path, message: f.error.message })) },
    },
  );
}

/** Stops each entry in the order given, every one even when some fail; returns the failures. */
async function stopAll(
  core: StackCore,
  entries: readonly SlotEntry[],
  done: "stopped" | "rolled-back",
): Promise<{ entry: SlotEntry; error: Error }[]> {
  const failures: { entry: SlotEntry; error: Error }[] = [];
  for (const entry of entries) {
    if (done === "stopped") emit(core, { path: entry.path, phase: "stopping" });
    try {
      await entry.brick.stop?.();
      emit(core, { path: entry.path, phase: done });
    } catch (e) {
      const error = asError(e);
      failures.push({ entry, error });
      emit(core, { path: entry.path, phase: "failed", error });
    }
  }
  return failures;
}
