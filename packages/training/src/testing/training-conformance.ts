import { isMlstackError, type Ref } from "@mlstack/core";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryInputResolver } from "../memory-input-resolver.js";
import type { JobState, JobTransition, TrainingCapabilities, TrainingEngine, TrainingJob } from "../spec.js";
import { conformanceTrainers } from "./fixtures.js";

/** What the conformance suite gives `create`: wire these into the engine. */
export interface ConformanceSetup {
  /** The input resolver holding the suite's input rows. */
  readonly inputs: MemoryInputResolver;
}

/** Options of {@link trainingConformance}. */
export interface TrainingConformanceOptions {
  /** Names the implementation in test titles. */
  name: string;
  /** Returns a fresh, isolated engine using `setup.inputs` as its input resolver. */
  create: (setup: ConformanceSetup) => Promise<TrainingEngine>;
  /** The capability manifest the engines will have; it gates groups of tests and is checked against theirs. */
  capabilities: TrainingCapabilities;
}

const INPUT: Ref = { kind: "training-set", id: "conformance", contentHash: "h1" };
const ECHO = { name: "conformance.echo", version: "1" };
const FAULTY = { name: "conformance.faulty", version: "1" };

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMlstackError(error), `expected an MlstackError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

function whenState(engine: TrainingEngine, jobId: string, state: JobState): Promise<void> {
  return new Promise((resolve) => {
    const listener = (t: JobTransition) => {
      if (t.job.jobId === jobId && t.to === state) {
        engine.off("transition", listener);
        resolve();
      }
    };
    engine.on("transition", listener);
    void engine.getJob(jobId).then((job) => {
      if (job.state === state) {
        engine.off("transition", listener);
        resolve();
      }
    });
  });
}

const states = async (engine: TrainingEngine, job: TrainingJob) =>
  (await engine.transitions(job.ref.jobId)).map((t) => t.to);

/**
 * The TrainingEngine conformance suite: lifecycle and events, retries, timeouts, cancellation,
 * checkpoints, the concurrency bound, seeds, inputs, bad input, and executor isolation (gated on the
 * engine's capabilities). Every implementation and every executor runs it.
 */
export function trainingConformance(options: TrainingConformanceOptions): void {
  const caps = options.capabilities;
  describe(`TrainingEngine conformance: ${options.name}`, () => {
    let current: TrainingEngine | undefined;
    afterEach(async () => {
      await current?.stop?.();
      current = undefined;
    });
    const setup = async (): Promise<TrainingEngine> => {
      const inputs = new MemoryInputResolver().set(INPUT, [{ x: 1 }, { x: 2 }, { x: 3.5 }]);
      const engine = await options.create({ inputs });
      current = engine;
      for (const trainer of conformanceTrainers) await engine.registerTrainer(trainer);
      return engine;
    };
    const run = async (engine: TrainingEngine, spec: Parameters<TrainingEngine["submit"]>[0]) => {
      const job = await engine.submit(spec);
      return engine.waitFor(job.ref.jobId);
    };

    describe("contract", () => {
      it("is a v1 training brick with a frozen capability manifest", async () => {
        const engine = await setup();
        expect(engine.kind).toBe("training");
        expect(engine.specificationVersion).toBe("v1");
        expect(Object.isFrozen(engine.capabilities)).toBe(true);
        expect({ ...engine.capabilities }).toEqual({ ...caps });
        expect(engine.concurrency).toBeGreaterThanOrEqual(1);
        expect((await engine.listTrainers()).map((t) => t.name)).toContain("conformance.echo");
      });
    });

    describe("bad input", () => {
      it("rejects an unknown trainer with NOT_FOUND and queues nothing", async () => {
        const engine = await setup();
        await expectCode(engine.submit({ trainer: { name: "nope", version: "1" } }), "NOT_FOUND");
        expect(await engine.listJobs()).toEqual([]);
      });
      it("rejects params that fail the trainer's schema with INVALID_ARGUMENT before anything runs", async () => {
        const engine = await setup();
        await expectCode(engine.submit({ trainer: ECHO, params: { steps: -1 } }), "INVALID_ARGUMENT");
        await expectCode(engine.submit({ trainer: ECHO, params: { steps: 1 }, maxRuntimeMs: -5 }), "INVALID_ARGUMENT");
        expect(await engine.listJobs()).toEqual([]);
      });
      it("answers NOT_FOUND for an unknown job", async () => {
        const engine = await setup();
        await expectCode(engine.getJob("no-such-job"), "NOT_FOUND");
        await expectCode(engine.cancel("no-such-job"), "NOT_FOUND");
      });
    });

    describe("lifecycle", () => {
      it("goes QUEUED → RUNNING → SUCCEEDED with an event per transition and a full record", async () => {
        const engine = await setup();
        const events: JobTransition[] = [];
        engine.on("transition", (t) => events.push(t));
        const job = await run(engine, { trainer: ECHO, params: { steps: 3, value: 2, model: true }, seed: 7 });
        expect(job.state).toBe("SUCCEEDED");
        expect(job.ref).toEqual({ kind: "training-job", jobId: job.ref.jobId });
        const transitions = await engine.transitions(job.ref.jobId);
        expect(transitions.map((t) => [t.from, t.to])).toEqual([
          [null, "QUEUED"],
          ["QUEUED", "RUNNING"],
          ["RUNNING", "SUCCEEDED"],
        ]);
        expect(events.filter((e) => e.job.jobId === job.ref.jobId)).toEqual(transitions);
        expect(transitions.every((t, i) => i === 0 || t.at >= (transitions[i - 1] as JobTransition).at)).toBe(true);
        expect(job.result?.metrics.value).toBe(2);
        expect(job.result?.model?.kind).toBe("artifact");
        expect(job.artifacts["model.json"]).toEqual(job.result?.model);
        expect(job.loggedParams).toEqual({ echo: 2 });
        const metrics = await engine.metrics(job.ref.jobId);
        expect(metrics.map((m) => [m.key, m.step, m.value])).toEqual([
          ["loss", 0, 2],
          ["loss", 1, 1],
          ["loss", 2, 2 / 3],
        ]);
        const record = job.reproducibility;
        expect(record.trainer).toMatchObject({ name: "conformance.echo", version: "1" });
        expect(record.trainer.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(record).toMatchObject({ seed: 7, params: { steps: 3, value: 2, model: true }, state: "SUCCEEDED" });
        expect(record.runtime).toEqual({ node: process.version, platform: process.platform, arch: process.arch });
        expect(record.packages.zod).toMatch(/^\d+\.\d+\.\d+/);
        expect(record.times.endedAt).toBeGreaterThanOrEqual(record.times.startedAt as number);
        expect(record.exitReason).toBe(job.reason);
      });
      it("keeps a terminal state: cancelling a finished job changes nothing", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: ECHO, params: { steps: 1 } });
        const after = await engine.cancel(job.ref.jobId);
        expect(after.state).toBe("SUCCEEDED");
        expect(await states(engine, job)).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
      });
      it("fails a job whose result is invalid, without retrying it", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: FAULTY, params: { mode: "invalid" }, retry: { maxRetries: 2 } });
        expect(job.state).toBe("FAILED");
        expect(job.failure?.kind).toBe("invalid-result");
        expect(job.retries).toBe(0);
      });
    });

    describe("retries", () => {
      it("retries transient failures and counts them", async () => {
        const engine = await setup();
        const job = await run(engine, {
          trainer: FAULTY,
          params: { mode: "transient", failAttempts: 2 },
          retry: { maxRetries: 3 },
        });
        expect(job.state).toBe("SUCCEEDED");
        expect(job.retries).toBe(2);
        expect(job.attempts.map((a) => [a.attempt, a.failure?.kind, a.retried])).toEqual([
          [1, "transient", true],
          [2, "transient", true],
          [3, undefined, undefined],
        ]);
        expect(await states(engine, job)).toEqual([
          "QUEUED",
          "RUNNING",
          "RETRYING",
          "RUNNING",
          "RETRYING",
          "RUNNING",
          "SUCCEEDED",
        ]);
      });
      it("does not retry a permanent failure", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: FAULTY, params: { mode: "throw" }, retry: { maxRetries: 3 } });
        expect(job.state).toBe("FAILED");
        expect(job.failure).toMatchObject({ kind: "error", message: "the trainer failed on purpose" });
        expect(job.retries).toBe(0);
        expect(job.attempts).toHaveLength(1);
      });
      it("fails once the retries are used up", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: FAULTY, params: { mode: "transient" }, retry: { maxRetries: 2 } });
        expect(job.state).toBe("FAILED");
        expect(job.retries).toBe(2);
        expect(job.attempts.map((a) => a.retried)).toEqual([true, true, false]);
      });
      it("retries a failure kind only when the policy names it", async () => {
        const engine = await setup();
        const job = await run(engine, {
          trainer: FAULTY,
          params: { mode: "throw", failAttempts: 1 },
          retry: { maxRetries: 1, retryOn: ["error"] },
        });
        expect(job.state).toBe("SUCCEEDED");
        expect(job.retries).toBe(1);
      });
    });

    describe("checkpoints", () => {
      it("resumes a retry from the checkpoint saved before the failure", async () => {
        const engine = await setup();
        const job = await run(engine, {
          trainer: FAULTY,
          params: { mode: "transient", failAttempts: 1, checkpoint: true },
          retry: { maxRetries: 1 },
        });
        expect(job.state).toBe("SUCCEEDED");
        expect(job.result?.metrics).toMatchObject({ attempt: 2, resumedFrom: 1 });
      });
      it("keeps only the last N checkpoints", async () => {
        const engine = await setup();
        const job = await run(engine, {
          trainer: { name: "conformance.checkpoints", version: "1" },
          params: { count: 5 },
          checkpoints: { keepLast: 2 },
        });
        expect(job.state).toBe("SUCCEEDED");
        const kept = await engine.checkpoints(job.ref.jobId);
        expect(kept.map((c) => [c.sequence, c.value])).toEqual([
          [4, { i: 4 }],
          [5, { i: 5 }],
        ]);
      });
    });

    describe("time limits and cancellation", () => {
      it("times out a job that runs past maxRuntimeMs", async () => {
        const engine = await setup();
        const started = Date.now();
        const job = await run(engine, {
          trainer: ECHO,
          params: { steps: 100, sleepMs: 100 },
          maxRuntimeMs: 300,
          graceMs: 25_000,
        });
        expect(Date.now() - started).toBeLessThan(15_000); // it saw its signal: no wait for the grace period
        expect(job.state).toBe("TIMED_OUT");
        expect(job.reason).toMatch(/maxRuntimeMs/);
      });
      it("removes a cancelled queued job: it never runs", async () => {
        const engine = await setup();
        const blockers = [];
        for (let i = 0; i < engine.concurrency; i++) {
          blockers.push(await engine.submit({ trainer: ECHO, params: { steps: 100, sleepMs: 50 } }));
        }
        const queued = await engine.submit({ trainer: ECHO, params: { steps: 1 } });
        expect((await engine.getJob(queued.ref.jobId)).state).toBe("QUEUED");
        const cancelled = await engine.cancel(queued.ref.jobId, "not needed");
        expect(cancelled.state).toBe("CANCELLED");
        expect(cancelled.reason).toBe("not needed");
        for (const b of blockers) await engine.cancel(b.ref.jobId);
        expect(await states(engine, queued)).toEqual(["QUEUED", "CANCELLED"]);
        expect(cancelled.attempts).toEqual([]);
      });
      it("cancels a running job through its signal", async () => {
        const engine = await setup();
        // A long grace period: the job ends early only if the trainer sees its signal and stops.
        const job = await engine.submit({ trainer: ECHO, params: { steps: 1000, sleepMs: 50 }, graceMs: 25_000 });
        await whenState(engine, job.ref.jobId, "RUNNING");
        const started = Date.now();
        const cancelled = await engine.cancel(job.ref.jobId);
        expect(Date.now() - started).toBeLessThan(15_000);
        expect(cancelled.state).toBe("CANCELLED");
        expect(await states(engine, job)).toEqual(["QUEUED", "RUNNING", "CANCELLED"]);
      });
    });

    describe("concurrency", () => {
      it("never runs more jobs at once than its concurrency", async () => {
        const engine = await setup();
        let running = 0;
        let peak = 0;
        engine.on("transition", (t) => {
          if (t.to === "RUNNING") peak = Math.max(peak, ++running);
          else if (t.from === "RUNNING") running--;
        });
        const jobs = [];
        for (let i = 0; i < engine.concurrency * 2 + 1; i++) {
          jobs.push(await engine.submit({ trainer: ECHO, params: { steps: 2, sleepMs: 20 } }));
        }
        const done = await Promise.all(jobs.map((j) => engine.waitFor(j.ref.jobId)));
        expect(done.every((j) => j.state === "SUCCEEDED")).toBe(true);
        expect(peak).toBeGreaterThanOrEqual(1);
        expect(peak).toBeLessThanOrEqual(engine.concurrency);
      });
    });

    describe("reproducibility", () => {
      it("gives the same result for the same seed, and records a drawn seed", async () => {
        const engine = await setup();
        const a = await run(engine, { trainer: ECHO, params: { steps: 1 }, seed: 42 });
        const b = await run(engine, { trainer: ECHO, params: { steps: 1 }, seed: 42 });
        const c = await run(engine, { trainer: ECHO, params: { steps: 1 } });
        expect(a.result?.metrics).toEqual(b.result?.metrics);
        expect(a.result?.metrics.seed).toBe(42);
        expect(Number.isInteger(c.spec.seed)).toBe(true);
        expect(c.result?.metrics.seed).toBe(c.spec.seed);
        expect(c.reproducibility.seed).toBe(c.spec.seed);
      });
    });

    describe("inputs", () => {
      it("reads the declared inputs through the engine's resolver", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: { name: "conformance.inputs", version: "1" }, inputs: [INPUT] });
        expect(job.state).toBe("SUCCEEDED");
        expect(job.result?.metrics).toEqual({ rows: 3, sum: 6.5 });
        expect(job.reproducibility.inputs).toEqual([INPUT]);
      });
    });

    const survives = async (engine: TrainingEngine) => {
      const next = await run(engine, { trainer: ECHO, params: { steps: 1 } });
      expect(next.state).toBe("SUCCEEDED");
    };

    describe("isolation", () => {
      it("survives a trainer that throws", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: FAULTY, params: { mode: "throw" } });
        expect(job.state).toBe("FAILED");
        expect(job.reason).toMatch(/failed on purpose/);
        await survives(engine);
      });
      it("survives a trainer that hangs past its deadline", async () => {
        const engine = await setup();
        // Without termination only a trainer that yields can be abandoned; with it, even a busy loop is stopped.
        const mode = caps.terminate ? "busy" : "hang";
        const job = await run(engine, { trainer: FAULTY, params: { mode }, maxRuntimeMs: 200, graceMs: 200 });
        expect(job.state).toBe("TIMED_OUT");
        expect(job.reason).toMatch(/maxRuntimeMs/);
        await survives(engine);
      });
    });

    describe.runIf(caps.isolation)("isolation: threads and processes", () => {
      it("survives a trainer that exits its process or thread", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: FAULTY, params: { mode: "exit" } });
        expect(job.state).toBe("FAILED");
        expect(job.failure?.kind).toBe("crash");
        expect(job.reason).toMatch(/exit|code 3/);
        await survives(engine);
      });

      it("survives a trainer whose stray timer throws after it returned", async () => {
        const engine = await setup();
        const job = await run(engine, { trainer: FAULTY, params: { mode: "stray" } });
        expect(job.state).toBe("SUCCEEDED");
        await new Promise((resolve) => setTimeout(resolve, 100));
        await survives(engine);
      });
    });

    describe.runIf(caps.memoryLimits)("isolation: memory limits", () => {
      it("survives a trainer that allocates without bound under a memory limit", async () => {
        const engine = await setup();
        const job = await run(engine, {
          trainer: FAULTY,
          params: { mode: "allocate" },
          resources: { memoryMb: 64 },
          maxRuntimeMs: 20_000,
        });
        expect(job.state).toBe("FAILED");
        expect(job.failure?.kind).toBe("oom");
        expect(job.reason).toMatch(/memory/);
        await survives(engine);
      });
    });

    describe.runIf(!caps.memoryLimits)("without memory limits", () => {
      it("refuses a memory limit with NOT_SUPPORTED", async () => {
        const engine = await setup();
        await expectCode(engine.submit({ trainer: ECHO, resources: { memoryMb: 64 } }), "NOT_SUPPORTED");
      });
    });
  });
}
