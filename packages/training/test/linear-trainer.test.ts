import { createRandom, MemoryArtifactStore, parseLinearModel, predictLinearModel, type Ref } from "@mlstack/core";
import {
  createTrainingEngine,
  fitLinearModel,
  inProcessExecutor,
  linearTrainer,
  MemoryInputResolver,
  type TrainingEngine,
} from "@mlstack/training";
import { afterEach, describe, expect, it } from "vitest";

const FEATURES = ["a", "b", "c", "d", "e"];
const INPUT: Ref = { kind: "training-set", id: "synthetic", contentHash: "v1" };

// Features on different scales and offsets, labels from a known model (logistic) or a noisy line.
function dataset(n: number, task: "binary-classification" | "regression", seed: number) {
  const random = createRandom(seed);
  const trueW = [1.5, -2, 0.5, 0, 1];
  const scales = [1, 10, 0.1, 3, 50];
  const offsets = [0, 5, -1, 2, 100];
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<string, number> = {};
    let s = 0.3;
    FEATURES.forEach((f, j) => {
      const u = random.normal();
      row[f] = offsets[j]! + scales[j]! * u;
      s += trueW[j]! * u;
    });
    row.label =
      task === "binary-classification" ? (random.next() < 1 / (1 + Math.exp(-s)) ? 1 : 0) : s + 0.5 * random.normal();
    rows.push(row);
  }
  return rows;
}

// The independent solution: standardise, then solve the same objective,
// mean loss + (λ/2)‖w‖² with an unpenalised intercept, by Newton's method (logistic) or normal equations (ridge).
function solve(rows: Record<string, number>[], task: "binary-classification" | "regression", l2: number) {
  const n = rows.length;
  const d = FEATURES.length;
  const mean = FEATURES.map((f) => rows.reduce((s, r) => s + r[f]!, 0) / n);
  const sd = FEATURES.map((f, j) => Math.sqrt(rows.reduce((s, r) => s + (r[f]! - mean[j]!) ** 2, 0) / n));
  const z = rows.map((r) => [1, ...FEATURES.map((f, j) => (r[f]! - mean[j]!) / sd[j]!)]);
  const y = rows.map((r) => r.label!);
  const beta = new Array(d + 1).fill(0);
  for (let iter = 0; iter < (task === "regression" ? 1 : 30); iter++) {
    const g = new Array(d + 1).fill(0);
    const h = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const s = z[i]!.reduce((acc, v, j) => acc + v * beta[j], 0);
      const p = task === "regression" ? s : 1 / (1 + Math.exp(-s));
      const wgt = task === "regression" ? 1 : p * (1 - p);
      for (let j = 0; j <= d; j++) {
        g[j] += ((p - y[i]!) * z[i]![j]!) / n;
        for (let k = 0; k <= d; k++) h[j]![k] += (wgt * z[i]![j]! * z[i]![k]!) / n;
      }
    }
    for (let j = 1; j <= d; j++) {
      g[j] += l2 * beta[j];
      h[j]![j] += l2;
    }
    const step = gaussianSolve(h, g);
    for (let j = 0; j <= d; j++) beta[j] -= step[j]!;
  }
  return { intercept: beta[0] as number, weights: beta.slice(1) as number[], mean, sd };
}

function gaussianSolve(a: number[][], b: number[]): number[] {
  const m = a.map((row, i) => [...row, b[i]!]);
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

const maxAbsDiff = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

// AUC by its definition: the share of (positive, negative) pairs ranked correctly, ties counting half.
function pairwiseAuc(scores: ArrayLike<number>, labels: number[]): number {
  let good = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      good += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return good / pairs;
}

describe("the reference trainer (mlstack.linear@1)", () => {
  let engine: TrainingEngine | undefined;
  afterEach(async () => engine?.stop?.());

  async function train(rows: Record<string, number>[], params: Record<string, unknown>) {
    const artifacts = new MemoryArtifactStore();
    engine = createTrainingEngine({
      executor: inProcessExecutor(),
      artifacts,
      inputs: new MemoryInputResolver().set(INPUT, rows),
    });
    await engine.registerTrainer(linearTrainer);
    const submitted = await engine.submit({
      trainer: { name: "mlstack.linear", version: "1" },
      params: { features: FEATURES, label: "label", ...params },
      inputs: [INPUT],
      seed: 11,
    });
    const job = await engine.waitFor(submitted.ref.jobId);
    expect(job.state, job.reason).toBe("SUCCEEDED");
    const model = parseLinearModel(await artifacts.get(job.result!.model!));
    return { job, model };
  }

  it("matches Newton's method on the same L2-regularised logistic objective", async () => {
    const rows = dataset(3000, "binary-classification", 1);
    const l2 = 0.01;
    const { job, model } = await train(rows, {
      task: "binary-classification",
      l2,
      learningRate: 1,
      epochs: 600,
      batchSize: rows.length,
      validationFraction: 0,
    });
    const exact = solve(rows, "binary-classification", l2);
    expect(model.intercept).toBeCloseTo(exact.intercept, 3);
    expect(maxAbsDiff(model.weights, exact.weights)).toBeLessThan(1e-3);
    expect(maxAbsDiff(model.scaling!.mean, exact.mean)).toBeLessThan(1e-9);
    const labels = rows.map((r) => r.label!);
    const x = rows.map((r) => FEATURES.map((f) => r[f]!));
    const ours = pairwiseAuc(predictLinearModel(model, x), labels);
    const theirs = pairwiseAuc(
      x.map(
        (v) =>
          exact.intercept + v.reduce((s, xi, j) => s + (exact.weights[j]! * (xi - exact.mean[j]!)) / exact.sd[j]!, 0),
      ),
      labels,
    );
    expect(Math.abs(ours - theirs)).toBeLessThan(0.005);
    expect(Math.abs(job.result!.metrics.auc! - ours)).toBeLessThan(1e-9);
    expect(job.result!.signature).toEqual(model.signature);
    expect(model.signature.outputs.fields).toEqual([{ name: "probability", type: "float64" }]);
  });

  it("matches the normal equations of ridge regression", async () => {
    const rows = dataset(2000, "regression", 2);
    const { model } = await train(rows, {
      task: "regression",
      l2: 0.1,
      learningRate: 0.5,
      epochs: 400,
      batchSize: rows.length,
      validationFraction: 0,
    });
    const exact = solve(rows, "regression", 0.1);
    expect(Math.abs(model.intercept - exact.intercept)).toBeLessThan(1e-3);
    expect(maxAbsDiff(model.weights, exact.weights)).toBeLessThan(1e-3);
  });

  it("gives a bit-identical model for the same seed, and another for another seed", () => {
    const rows = dataset(1000, "binary-classification", 3);
    const x = new Float64Array(rows.flatMap((r) => FEATURES.map((f) => r[f]!)));
    const y = new Float64Array(rows.map((r) => r.label!));
    const options = {
      task: "binary-classification" as const,
      featureNames: FEATURES,
      learningRate: 0.1,
      learningRateDecay: 0,
      epochs: 5,
      batchSize: 32,
      l2: 0.001,
      validationFraction: 0.2,
      patience: 3,
      standardize: true,
    };
    const a = fitLinearModel(x, y, { ...options, random: createRandom(9) });
    const b = fitLinearModel(x, y, { ...options, random: createRandom(9) });
    const c = fitLinearModel(x, y, { ...options, random: createRandom(10) });
    expect(JSON.stringify(a.model)).toBe(JSON.stringify(b.model));
    expect(JSON.stringify(a.model)).not.toBe(JSON.stringify(c.model));
  });

  it("stops early on the validation loss and keeps the best epoch", () => {
    const rows = dataset(1000, "regression", 4);
    const x = new Float64Array(rows.flatMap((r) => FEATURES.map((f) => r[f]!)));
    const y = new Float64Array(rows.map((r) => r.label!));
    const losses: number[] = [];
    const fit = fitLinearModel(x, y, {
      task: "regression",
      featureNames: FEATURES,
      learningRate: 0.05,
      learningRateDecay: 0,
      epochs: 500,
      batchSize: 16,
      l2: 0,
      validationFraction: 0.3,
      patience: 2,
      standardize: true,
      random: createRandom(1),
      onEpoch: (_e, _t, v) => losses.push(v),
    });
    expect(fit.epochs).toBeLessThan(500);
    expect(fit.epochs).toBe(fit.bestEpoch + 2);
    expect(losses[fit.bestEpoch - 1]).toBe(Math.min(...losses));
  });

  it("fails the job with the reason when a feature is not numeric", async () => {
    const artifacts = new MemoryArtifactStore();
    engine = createTrainingEngine({
      executor: inProcessExecutor(),
      artifacts,
      inputs: new MemoryInputResolver().set(INPUT, [{ a: "x", b: 1, c: 1, d: 1, e: 1, label: 1 }]),
    });
    await engine.registerTrainer(linearTrainer);
    const submitted = await engine.submit({
      trainer: { name: "mlstack.linear", version: "1" },
      params: { task: "binary-classification", features: FEATURES, label: "label" },
      inputs: [INPUT],
    });
    const job = await engine.waitFor(submitted.ref.jobId);
    expect(job.state).toBe("FAILED");
    expect(job.reason).toMatch(/column "a" is not a finite number/);
  });
});
