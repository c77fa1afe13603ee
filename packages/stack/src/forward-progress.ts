import type { ProgressEvent } from "@mlstack/core";
import type { SlotEntry } from "./spec.js";
import type { StackCore } from "./stack-core.js";

type ProgressSource = { on(event: "progress", listener: (e: ProgressEvent) => void): unknown };

// Where a brick emits `progress`: on itself (data, training, serving) or on its `events` (features, monitor).
function progressSource(entry: SlotEntry): ProgressSource | undefined {
  const brick = entry.brick as unknown as { on?: unknown; events?: { on?: unknown } };
  if (entry.slot === "features" || entry.slot === "monitor") {
    return typeof brick.events?.on === "function" ? (brick.events as ProgressSource) : undefined;
  }
  return typeof brick.on === "function" ? (brick as unknown as ProgressSource) : undefined;
}

/**
 * Re-emits every brick's `progress` on the stack's events, the task prefixed with the brick's path
 * (`data:commit`, `training:sweep`), so one progress display can watch the whole stack.
 */
export function forwardProgress(core: StackCore): void {
  for (const entry of core.entries()) {
    progressSource(entry)?.on("progress", (event) => {
      core.events.emit("progress", { ...event, task: `${entry.path}:${event.task}` });
    });
  }
}
