import type { HostMessage, TrainerMessage } from "../runtime/protocol.js";
import { toWireError } from "../runtime/protocol.js";
import type { ExecutionOutcome, ExecutionRequest } from "./executor.js";

/** A message channel to a trainer running elsewhere (a worker thread, a child process). */
export interface TrainerChannel {
  send(message: HostMessage): void;
  /** Subscribes to the trainer's messages and to its thread or process ending on its own; returns the unsubscribe. */
  attach(onMessage: (message: TrainerMessage) => void, onEnd: (outcome: ExecutionOutcome) => void): () => void;
  /** Terminates the trainer's thread or process. */
  kill(): void;
}

/**
 * The host side of the protocol, shared by the isolating executors: starts the attempt, serves the
 * trainer's requests, forwards an abort, and terminates the trainer when its grace period runs out.
 * `reusable` tells whether the thread or process ended cleanly and may serve another attempt.
 */
export function connectTrainer(
  request: ExecutionRequest,
  channel: TrainerChannel,
): Promise<{ outcome: ExecutionOutcome; reusable: boolean }> {
  return new Promise((resolve) => {
    let settled = false;
    let detach: () => void = () => {};
    let grace: AbortController | undefined;
    const finish = (outcome: ExecutionOutcome, reusable: boolean) => {
      if (settled) return;
      settled = true;
      detach();
      grace?.abort(); // a trainer that stopped in time leaves no grace timer behind
      request.signal.removeEventListener("abort", onAbort);
      resolve({ outcome: request.signal.aborted ? { status: "stopped" } : outcome, reusable });
    };
    const onAbort = () => {
      channel.send({
        type: "abort",
        reason: String((request.signal.reason as Error)?.message ?? request.signal.reason),
      });
      grace = new AbortController();
      request.sleep(request.graceMs, grace.signal).then(
        () => {
          if (settled) return;
          channel.kill();
          finish({ status: "stopped" }, false);
        },
        () => undefined,
      );
    };
    detach = channel.attach(
      (message) => {
        if (settled) return;
        switch (message.type) {
          case "metric":
          case "param":
          case "progress":
            request.host.notify(message);
            return;
          case "request":
            request.host.request(message.method, message.args as never).then(
              (value) => !settled && channel.send({ type: "reply", id: message.id, ok: true, value }),
              (error: unknown) =>
                !settled && channel.send({ type: "reply", id: message.id, ok: false, error: toWireError(error) }),
            );
            return;
          case "result":
            finish({ status: "returned", result: message.result }, true);
            return;
          case "failure":
            finish({ status: "thrown", error: message.error }, true);
            return;
        }
      },
      (outcome) => finish(outcome, false),
    );
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener("abort", onAbort, { once: true });
    channel.send({ type: "start", start: request.start });
  });
}
