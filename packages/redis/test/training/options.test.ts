// Bad settings fail at once with INVALID_ARGUMENT, before any connection is opened (no server needed).
import { isMlstackError } from "@mlstack/core";
import { createTrainingEngine, defineCommandTrainer, inProcessExecutor } from "@mlstack/training";
import { echoTrainer } from "@mlstack/training/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createBullmqExecutor, createBullmqWorker } from "../../src/index.js";

const URL = "redis://127.0.0.1:6379";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isMlstackError(error) ? error.code : `not an MlstackError: ${String(error)}`;
  }
  return undefined;
}

const commandTrainer = defineCommandTrainer({
  name: "test.command",
  version: "1",
  params: z.object({}),
  command: ["true"],
});

describe("BullMQ executor and worker settings", () => {
  it("refuses a bad connection, queue name or time with INVALID_ARGUMENT", () => {
    expect(codeOf(() => createBullmqExecutor({ connection: "" }))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => createBullmqExecutor({ connection: URL, queueName: "" }))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => createBullmqExecutor({ connection: URL, abandonAfterMs: -1 }))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => createBullmqWorker({ connection: URL, trainers: [], concurrency: 0 }))).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("refuses a worker trainer without a module and an executor that cannot terminate", () => {
    expect(codeOf(() => createBullmqWorker({ connection: URL, trainers: [commandTrainer] }))).toBe("INVALID_ARGUMENT");
    expect(
      codeOf(() => createBullmqWorker({ connection: URL, trainers: [echoTrainer], executor: inProcessExecutor() })),
    ).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => createBullmqWorker({ connection: URL, trainers: [echoTrainer] }))).toBeUndefined();
  });

  it("makes the engine refuse command trainers (capability commands: false)", async () => {
    const engine = createTrainingEngine({ executor: createBullmqExecutor({ connection: URL }) });
    expect(engine.capabilities.commands).toBe(false);
    const error = await engine.registerTrainer(commandTrainer).catch((e: unknown) => e);
    expect(isMlstackError(error, "NOT_SUPPORTED")).toBe(true);
    await engine.stop?.();
  });
});
