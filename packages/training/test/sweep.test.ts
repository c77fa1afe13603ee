import { createRandom, isMlstackError } from "@mlstack/core";
import {
  createTrainingEngine,
  defineTrainer,
  gridTrials,
  inProcessExecutor,
  medianStoppingRule,
  type ParamDomain,
  sampleTrial,
  type TrainingEngine,
} from "@mlstack/training";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";

// loss = (x − 0.3)² at every step; fails when x exceeds `failAbove`; sleeps between steps so pruning can act.
const quadratic = defineTrainer({
  name: "quadratic",
  version: "1",
  params: z.object({
    x: z.number().min(-10).max(10),
    tag: z.string().default("a"),
    steps: z.number().int().default(1),
    sleepMs: z.number().int().default(0),
    failAbove: z.number().default(Number.POSITIVE_INFINITY),
  }),
  async run(ctx) {
    const { x, steps, sleepMs, failAbove } = ctx.params;
    if (x > failAbove) throw new Error(`x=${x} is too large`);
    const loss = (x - 0.3) ** 2;
    for (let step = 0; step < steps; step++) {
      ctx.log.metric("loss", loss, step);
      if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
      if (ctx.signal.aborted) throw new Error("stopped");
    }
    return { metrics: { loss } };
  },
});
const TRAINER = { name: "quadratic", version: "1" };

describe("sweeps", () => {
  let engine: TrainingEngine;
  afterEach(async () => engine?.stop?.());
  const setup = async (concurrency = 4) => {
    engine = createTrainingEngine({ executor: inProcessExecutor(), concurrency });
    await engine.registerTrainer(quadratic);
    return engine;
  };

  it("runs a grid, never more than `parallelism` trials at once, and returns the best", async () => {
    await setup(4);
    let running = 0;
    let peak = 0;
    engine.on("transition", (t) => {
      if (t.to === "RUNNING") peak = Math.max(peak, ++running);
      else if (t.from === "RUNNING") running--;
    });
    const result = await engine.sweep({
      trainer: TRAINER,
      baseParams: { sleepMs: 5, steps: 2 },
      space: { x: { type: "uniform", low: 0, high: 1, gridPoints: 5 }, tag: { type: "choice", values: ["a", "b"] } },
      objective: { metric: "loss", goal: "min" },
      algorithm: "grid",
      maxTrials: 100,
      parallelism: 2,
    });
    expect(result.trials).toHaveLength(10);
    expect(result.trials.every((t) => t.state === "COMPLETE")).toBe(true);
    expect(result.trials.map((t) => t.params)).toEqual(
      [0, 0.25, 0.5, 0.75, 1].flatMap((x) => [
        { x, tag: "a" },
        { x, tag: "b" },
      ]),
    );
    expect(result.best?.params.x).toBe(0.25);
    expect(result.best?.value).toBeCloseTo(0.0025, 12);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
    expect(result.stoppedReason).toBe("completed");
  });

  it("gives the same trials for the same seed", async () => {
    await setup();
    const spec = {
      trainer: TRAINER,
      space: {
        x: { type: "logUniform", low: 0.01, high: 5 },
        tag: { type: "choice", values: ["a", "b", "c"] },
      } as Record<string, ParamDomain>,
      objective: { metric: "loss", goal: "min" as const },
      algorithm: "random" as const,
      maxTrials: 6,
      parallelism: 3,
    };
    const a = await engine.sweep({ ...spec, seed: 1 });
    const b = await engine.sweep({ ...spec, seed: 1 });
    const c = await engine.sweep({ ...spec, seed: 2 });
    const view = (r: typeof a) => r.trials.map((t) => [t.params, t.value]);
    expect(view(a)).toEqual(view(b));
    expect(view(a)).not.toEqual(view(c));
    const jobs = await Promise.all(a.trials.map((t) => engine.getJob(t.job.jobId)));
    const again = await Promise.all(b.trials.map((t) => engine.getJob(t.job.jobId)));
    expect(jobs.map((j) => j.spec.seed)).toEqual(again.map((j) => j.spec.seed));
  });

  it("prunes trials with the median stopping rule", async () => {
    await setup();
    const result = await engine.sweep({
      trainer: TRAINER,
      baseParams: { steps: 5, sleepMs: 15 },
      space: { x: { type: "choice", values: [0.4, 0.5, 3, 0.35] } },
      objective: { metric: "loss", goal: "min" },
      algorithm: "grid",
      maxTrials: 10,
      parallelism: 1,
      earlyStopping: { rule: "median", minTrials: 2 },
    });
    expect(result.trials.map((t) => t.state)).toEqual(["COMPLETE", "COMPLETE", "PRUNED", "COMPLETE"]);
    expect((await engine.getJob(result.trials[2]!.job.jobId)).state).toBe("CANCELLED");
    expect(result.best?.params.x).toBe(0.35);
  });

  it("stops starting trials once more than maxFailedTrials have failed", async () => {
    await setup();
    const result = await engine.sweep({
      trainer: TRAINER,
      baseParams: { failAbove: 0.6 },
      space: { x: { type: "intRange", low: 0, high: 6, step: 1 } },
      objective: { metric: "loss", goal: "min" },
      algorithm: "grid",
      maxTrials: 10,
      parallelism: 1,
      maxFailedTrials: 1,
    });
    expect(result.trials.map((t) => [t.params.x, t.state])).toEqual([
      [0, "COMPLETE"],
      [1, "FAILED"],
      [2, "FAILED"],
    ]);
    expect(result.trials[1]!.reason).toMatch(/too large/);
    expect(result.stoppedReason).toBe("max failed trials exceeded");
  });

  it("tries a zero-width range once in a grid", () => {
    expect(gridTrials({ x: { type: "uniform", low: 2, high: 2, gridPoints: 4 } }, 10)).toEqual([{ x: 2 }]);
  });

  it("validates every trial before running any", async () => {
    await setup();
    const bad = await engine
      .sweep({
        trainer: TRAINER,
        space: { x: { type: "uniform", low: 0, high: 50, gridPoints: 3 } },
        objective: { metric: "loss", goal: "min" },
        algorithm: "grid",
        maxTrials: 3,
      })
      .catch((e: unknown) => e);
    expect(isMlstackError(bad, "INVALID_ARGUMENT")).toBe(true);
    const noGrid = await engine
      .sweep({
        trainer: TRAINER,
        space: { x: { type: "uniform", low: 0, high: 1 } },
        objective: { metric: "loss", goal: "min" },
        algorithm: "grid",
        maxTrials: 3,
      })
      .catch((e: unknown) => e);
    expect(isMlstackError(noGrid, "INVALID_ARGUMENT")).toBe(true);
    const unknown = await engine
      .sweep({
        trainer: { name: "nope", version: "1" },
        space: { x: { type: "choice", values: [1] } },
        objective: { metric: "loss", goal: "min" },
        algorithm: "random",
        maxTrials: 1,
      })
      .catch((e: unknown) => e);
    expect(isMlstackError(unknown, "NOT_FOUND")).toBe(true);
    expect(await engine.listJobs()).toEqual([]);
  });
});

describe("search spaces (properties)", () => {
  const domain: fc.Arbitrary<ParamDomain> = fc.oneof(
    fc
      .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 7 }))
      .map(([low, span, step]) => ({ type: "intRange" as const, low, high: low + span, step })),
    fc
      .tuple(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
      )
      .map(([low, span, gridPoints]) => ({ type: "uniform" as const, low, high: low + span, gridPoints })),
    fc
      .tuple(
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.double({ min: 2, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
      )
      .map(([low, factor, gridPoints]) => ({ type: "logUniform" as const, low, high: low * factor, gridPoints })),
    fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 5 }).map((values) => ({ type: "choice" as const, values })),
  );
  const space = fc.dictionary(fc.constantFrom("a", "b", "c"), domain, { minKeys: 1 });
  const inDomain = (d: ParamDomain, v: unknown) =>
    d.type === "choice"
      ? d.values.includes(v as string)
      : typeof v === "number" &&
        v >= d.low - 1e-9 * Math.abs(d.low) - 1e-12 &&
        v <= d.high + 1e-9 * Math.abs(d.high) + 1e-12;

  it("a grid is the full cartesian product (distinct points, each in its domain), capped at maxTrials", () => {
    fc.assert(
      fc.property(space, fc.integer({ min: 1, max: 500 }), (s, limit) => {
        const sizes = Object.entries(s).map(([, d]) =>
          d.type === "choice"
            ? d.values.length
            : d.type === "intRange"
              ? Math.floor((d.high - d.low) / d.step) + 1
              : d.gridPoints!,
        );
        const total = sizes.reduce((a, b) => a * b, 1);
        const trials = gridTrials(s, limit);
        expect(trials).toHaveLength(Math.min(total, limit));
        expect(new Set(trials.map((t) => JSON.stringify(t))).size).toBe(trials.length);
        for (const t of trials) for (const [k, d] of Object.entries(s)) expect(inDomain(d, t[k])).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("random points stay in their domains and follow the seed", () => {
    fc.assert(
      fc.property(space, fc.integer({ min: 0, max: 2 ** 31 }), (s, seed) => {
        const a = createRandom(seed);
        const b = createRandom(seed);
        for (let i = 0; i < 5; i++) {
          const p = sampleTrial(s, a);
          expect(sampleTrial(s, b)).toEqual(p);
          for (const [k, d] of Object.entries(s)) expect(inDomain(d, p[k])).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("the median rule prunes exactly when the best value so far is worse than the completed trials' median", () => {
    const curve = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(curve, { maxLength: 7 }),
        curve,
        fc.constantFrom("min" as const, "max" as const),
        fc.integer({ min: 1, max: 4 }),
        (done, own, goal, minTrials) => {
          const step = own.length - 1;
          const toMap = (values: number[]) => new Map(values.map((v, i) => [i, v]));
          const pruned = medianStoppingRule({ goal, minTrials, warmupSteps: 0 }, done.map(toMap), toMap(own), step);
          // Oracle: sort the completed values at this step; compare the best own value with the middle.
          const atStep = done
            .filter((c) => c.length > step)
            .map((c) => c[step]!)
            .sort((a, b) => a - b);
          if (atStep.length < minTrials) {
            expect(pruned).toBe(false);
            return;
          }
          const m =
            atStep.length % 2
              ? atStep[(atStep.length - 1) / 2]!
              : (atStep[atStep.length / 2 - 1]! + atStep[atStep.length / 2]!) / 2;
          const best = goal === "min" ? Math.min(...own) : Math.max(...own);
          expect(pruned).toBe(goal === "min" ? best > m : best < m);
        },
      ),
      { numRuns: 200 },
    );
  });
});
