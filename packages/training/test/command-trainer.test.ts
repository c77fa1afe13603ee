import { fileURLToPath } from "node:url";
import { isMlstackError, MemoryArtifactStore, type Ref } from "@mlstack/core";
import {
  childProcessExecutor,
  createTrainingEngine,
  defineCommandTrainer,
  MemoryInputResolver,
  type TrainingEngine,
  workerThreadsExecutor,
} from "@mlstack/training";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";

const script = fileURLToPath(new URL("./fixtures/any-language-trainer.mjs", import.meta.url));
const INPUT: Ref = { kind: "data-commit", repo: "rows", commit: "c1" };
const params = z.object({ scale: z.number() });
const plain = defineCommandTrainer({
  name: "plain",
  version: "1",
  params,
  command: [process.execPath, script],
  codeFiles: [script],
});
const crashing = defineCommandTrainer({
  name: "crashing",
  version: "1",
  params,
  command: [process.execPath, script, "crash"],
});

describe("a command trainer speaking the JSON-lines protocol (child-process executor)", () => {
  let engine: TrainingEngine | undefined;
  afterEach(async () => engine?.stop?.());

  it("runs a program in any language: metrics, params, checkpoints, inputs, artifacts and result", async () => {
    const artifacts = new MemoryArtifactStore();
    const rows = Array.from({ length: 2500 }, (_, i) => ({ x: i }));
    engine = createTrainingEngine({
      executor: childProcessExecutor(),
      artifacts,
      inputs: new MemoryInputResolver().set(INPUT, rows),
    });
    const info = await engine.registerTrainer(plain);
    expect(info.command).toEqual([process.execPath, script]);
    expect(info.fingerprint).toMatch(/^sha256:/);
    const job = await engine.waitFor(
      (await engine.submit({ trainer: plain, params: { scale: 6 }, inputs: [INPUT], seed: 5 })).ref.jobId,
    );
    expect(job.state, job.reason).toBe("SUCCEEDED");
    expect(job.result?.metrics).toEqual({ rows: 2500, seed: 5, loss: 2 });
    expect(JSON.parse(Buffer.from(await artifacts.get(job.result!.model!)).toString())).toEqual({ scale: 6 });
    expect(job.loggedParams).toEqual({ language: "plain-node" });
    expect((await engine.metrics(job.ref.jobId)).map((m) => m.value)).toEqual([6, 3, 2]);
    expect((await engine.checkpoints(job.ref.jobId)).map((c) => c.value)).toEqual([{ attempt: 1 }]);
  });

  it("reports a program that dies as a crash with its stderr", async () => {
    engine = createTrainingEngine({ executor: childProcessExecutor() });
    await engine.registerTrainer(crashing);
    const job = await engine.waitFor((await engine.submit({ trainer: crashing, params: { scale: 1 } })).ref.jobId);
    expect(job.state).toBe("FAILED");
    expect(job.failure?.kind).toBe("crash");
    expect(job.reason).toMatch(/exited with code 2: something went badly wrong/);
  });

  it("is NOT_SUPPORTED by executors that do not run commands", async () => {
    engine = createTrainingEngine({ executor: workerThreadsExecutor() });
    const error = await engine.registerTrainer(plain).catch((e: unknown) => e);
    expect(isMlstackError(error, "NOT_SUPPORTED")).toBe(true);
  });
});
