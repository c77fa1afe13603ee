import { type DeploymentRef, isMlstackError, type MonitorWindowRef, refKey } from "@mlstack/core";
import type { LogResult, Monitor } from "@mlstack/monitor";
import { interceptBrick } from "../intercept-brick.js";
import type { SlotEntry } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import type { LineageRecorder } from "./lineage-recorder.js";

/** The deployment at its serving revision in the first serving brick that has it, or undefined. */
async function servingRevision(core: StackCore, name: string): Promise<DeploymentRef | undefined> {
  for (const entry of core.entries()) {
    if (entry.slot !== "serving") continue;
    try {
      const status = await (entry as SlotEntry<"serving">).brick.status(name);
      return { kind: "deployment", name, revision: status.revision };
    } catch (error) {
      if (!isMlstackError(error, "NOT_FOUND")) throw error;
    }
  }
  return undefined;
}

const MAX_REMEMBERED_WINDOWS = 10_000;

/** The execution id under which a monitor window's traffic is recorded. */
export function monitorWindowExecutionId(window: MonitorWindowRef): string {
  return `monitor.log:${refKey(window)}`;
}

/**
 * A Monitor whose `log` records each window the rows fell in: an execution `monitor.log` with the
 * deployment at its serving revision as input (the deployment as logged when no serving brick has it)
 * and the window as output. A window is recorded once per revision that served into it; recording is
 * queued (the call does not wait) and never fails the call.
 */
export function wireMonitor(core: StackCore, recorder: LineageRecorder, entry: SlotEntry<"monitor">): Monitor {
  const recorded = new Map<string, Set<string>>();
  return interceptBrick(
    entry.brick,
    (call) => {
      const deployment = call.args[0] as DeploymentRef | undefined;
      return (call.proceed() as Promise<LogResult>).then((result) => {
        if (deployment === undefined || result.windows.length === 0) return result;
        // Read the revision now: it is the one that served these rows.
        const revision = servingRevision(core, deployment.name);
        revision.catch(() => undefined);
        for (const window of result.windows) {
          void recorder.record(`monitor window ${refKey(window)}`, async () => {
            const input = (await revision) ?? { kind: "deployment", name: deployment.name };
            const seen = recorded.get(refKey(window)) ?? new Set<string>();
            if (seen.has(refKey(input))) return;
            await recorder.putExecution({
              id: monitorWindowExecutionId(window),
              type: "monitor.log",
              name: `traffic of ${window.deployment} ${new Date(window.start).toISOString()}`,
              properties: { monitor: entry.path, deployment: window.deployment, start: window.start, end: window.end },
              inputs: [input],
              outputs: [window],
            });
            seen.add(refKey(input));
            recorded.delete(refKey(window));
            recorded.set(refKey(window), seen);
            // Only recent windows are logged into: forget the oldest (a repeat write is idempotent anyway).
            if (recorded.size > MAX_REMEMBERED_WINDOWS) recorded.delete(recorded.keys().next().value as string);
          });
        }
        return result;
      });
    },
    { methods: new Set(["log"]) },
  );
}
