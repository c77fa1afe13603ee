import { type LinearModel, linearModelOutputName, MlstackError, type Random } from "@mlstack/core";

/** Settings of {@link fitLinearModel}. */
export interface FitLinearModelOptions {
  readonly task: "binary-classification" | "regression";
  readonly featureNames: readonly string[];
  /** Step size of gradient descent. */
  readonly learningRate: number;
  /** The step size of epoch e is learningRate / (1 + learningRateDecay · e). */
  readonly learningRateDecay: number;
  readonly epochs: number;
  /** Rows per gradient step; the number of training rows gives full-batch gradient descent. */
  readonly batchSize: number;
  /** λ of the penalty (λ/2)·‖w‖² (the intercept is not penalised). */
  readonly l2: number;
  /** Share of rows held out for early stopping; 0 trains on every row for every epoch. */
  readonly validationFraction: number;
  /** Epochs without a better validation loss before training stops (and the best weights are kept). */
  readonly patience: number;
  /** Standardise features with the training rows' mean and population standard deviation. */
  readonly standardize: boolean;
  /**
   * Drives the one shuffle of the rows (validation split and mini-batch membership) and the shuffle of the
   * batch order in every epoch: the same seed gives a bit-identical model.
   */
  readonly random: Random;
  readonly signal?: AbortSignal;
  /** Called after each epoch with its mean training loss and validation loss (NaN without validation). */
  onEpoch?(epoch: number, trainLoss: number, validationLoss: number): void;
}

/** What {@link fitLinearModel} returns. */
export interface FitLinearModelResult {
  readonly model: LinearModel;
  /** Epochs run (fewer than asked when early stopping ended training). */
  readonly epochs: number;
  /** The epoch whose weights were kept (1-based). */
  readonly bestEpoch: number;
  /** Row indices of the validation split (empty without one). */
  readonly validationRows: Int32Array;
}

// Mean loss of the rows of a standardised matrix under (w, b).
function meanLoss(z: Float64Array, y: Float64Array, d: number, w: Float64Array, b: number, logistic: boolean): number {
  if (y.length === 0) return Number.NaN;
  let total = 0;
  for (let r = 0; r < y.length; r++) {
    const off = r * d;
    let s = b;
    for (let j = 0; j < d; j++) s += (w[j] as number) * (z[off + j] as number);
    const t = y[r] as number;
    // log(1 + e^s) − t·s, computed without overflow.
    total += logistic ? Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - t * s : 0.5 * (s - t) * (s - t);
  }
  return total / y.length;
}

/**
 * Fits logistic or linear regression by mini-batch gradient descent on Float64Arrays, minimising the mean
 * loss plus (λ/2)·‖w‖² over standardised features. `x` is row-major (`n × featureNames.length`), `y` holds
 * 0/1 labels (classification) or targets (regression). Writes core's LinearModel format.
 */
export function fitLinearModel(x: Float64Array, y: Float64Array, options: FitLinearModelOptions): FitLinearModelResult {
  const d = options.featureNames.length;
  const n = y.length;
  if (d === 0 || x.length !== n * d) {
    throw new MlstackError("INVALID_ARGUMENT", `expected ${n} rows of ${d} features, got ${x.length} values`);
  }
  const logistic = options.task === "binary-classification";
  const random = options.random;
  // One seeded shuffle of the rows: it picks the validation split and lays the training rows out in random
  // order, so every mini-batch is a random sample read sequentially (reading rows in a fresh random order
  // each epoch is several times slower: memory access dominates). Each epoch then shuffles the batch order.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffle(order, random);
  const nValidation = options.validationFraction > 0 ? Math.floor(n * options.validationFraction) : 0;
  const validationRows = order.slice(n - nValidation);
  const trainRows = order.subarray(0, n - nValidation);
  const nTrain = trainRows.length;
  if (nTrain === 0) throw new MlstackError("INVALID_ARGUMENT", "no training rows left after the validation split");

  // Where each row goes: its position among the training rows (≥ 0) or among the validation rows (−1 − i).
  const slot = new Int32Array(n);
  for (let k = 0; k < nTrain; k++) slot[order[k] as number] = k;
  for (let i = 0; i < nValidation; i++) slot[validationRows[i] as number] = -1 - i;

  // Standardisation from the training rows only, so validation stays unseen. The passes read x in
  // storage order, the fast way through memory.
  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  if (options.standardize) {
    const variance = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      if ((slot[r] as number) < 0) continue;
      for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x[r * d + j] as number);
    }
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / nTrain;
    for (let r = 0; r < n; r++) {
      if ((slot[r] as number) < 0) continue;
      for (let j = 0; j < d; j++) {
        const c = (x[r * d + j] as number) - (mean[j] as number);
        variance[j] = (variance[j] as number) + c * c;
      }
    }
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt((variance[j] as number) / nTrain);
      scale[j] = sd > 0 ? sd : 1;
    }
  }
  // The standardised rows, scattered to their shuffled positions.
  const train = { z: new Float64Array(nTrain * d), t: new Float64Array(nTrain) };
  const validation = { z: new Float64Array(nValidation * d), t: new Float64Array(nValidation) };
  for (let r = 0; r < n; r++) {
    const k = slot[r] as number;
    const target = k >= 0 ? train : validation;
    const at = k >= 0 ? k : -1 - k;
    for (let j = 0; j < d; j++)
      target.z[at * d + j] = ((x[r * d + j] as number) - (mean[j] as number)) / (scale[j] as number);
    target.t[at] = y[r] as number;
  }
  const z = train.z;
  const t = train.t;

  const w = new Float64Array(d);
  const grad = new Float64Array(d);
  let b = 0;
  let best = { loss: Number.POSITIVE_INFINITY, w: new Float64Array(d), b: 0, epoch: 0 };
  let sinceBest = 0;
  let epoch = 0;
  const batch = Math.max(1, Math.min(options.batchSize, nTrain));
  const batches = new Int32Array(Math.ceil(nTrain / batch));
  for (let i = 0; i < batches.length; i++) batches[i] = i;
  while (epoch < options.epochs) {
    if (options.signal?.aborted)
      throw new MlstackError("CANCELLED", "training was aborted", { cause: options.signal.reason });
    const lr = options.learningRate / (1 + options.learningRateDecay * epoch);
    shuffle(batches, random);
    const pass = runEpoch(z, t, d, batch, batches, w, grad, b, lr, options.l2, logistic);
    b = pass.intercept;
    const lossSum = pass.lossSum;
    epoch++;
    const validationLoss = meanLoss(validation.z, validation.t, d, w, b, logistic);
    options.onEpoch?.(epoch, lossSum / nTrain, validationLoss);
    if (nValidation > 0) {
      if (validationLoss < best.loss) {
        best = { loss: validationLoss, w: w.slice(), b, epoch };
        sinceBest = 0;
      } else if (++sinceBest >= options.patience) {
        break;
      }
    }
  }
  const kept = nValidation > 0 && best.epoch > 0 ? best : { w, b, epoch };
  const featureNames = [...options.featureNames];
  const task = options.task;
  return {
    model: {
      format: "mlstack.linear-model",
      formatVersion: 1,
      task,
      link: logistic ? "logistic" : "identity",
      featureNames,
      weights: Array.from(kept.w),
      intercept: kept.b,
      ...(options.standardize ? { scaling: { mean: Array.from(mean), scale: Array.from(scale) } } : {}),
      signature: {
        inputs: { fields: featureNames.map((name) => ({ name, type: "float64" as const })) },
        outputs: { fields: [{ name: linearModelOutputName({ task }), type: "float64" as const }] },
      },
    },
    epochs: epoch,
    bestEpoch: kept.epoch,
    validationRows,
  };
}

// One epoch of mini-batch steps over the laid-out training rows; updates `w` in place. A function of its
// own so V8 optimises it as a whole rather than through on-stack replacement of one long loop.
function runEpoch(
  z: Float64Array,
  t: Float64Array,
  d: number,
  batch: number,
  batches: Int32Array,
  w: Float64Array,
  grad: Float64Array,
  intercept: number,
  lr: number,
  l2: number,
  logistic: boolean,
): { intercept: number; lossSum: number } {
  const nTrain = t.length;
  let b = intercept;
  let lossSum = 0;
  for (let bi = 0; bi < batches.length; bi++) {
    const start = (batches[bi] as number) * batch;
    const end = Math.min(start + batch, nTrain);
    grad.fill(0);
    let gb = 0;
    for (let k = start; k < end; k++) {
      const off = k * d;
      let s = b;
      for (let j = 0; j < d; j++) s += (w[j] as number) * (z[off + j] as number);
      const target = t[k] as number;
      let residual: number;
      if (logistic) {
        // One exponential serves both σ(s) and the loss log(1 + e^s) − t·s, without overflow.
        const e = Math.exp(-Math.abs(s));
        residual = (s >= 0 ? 1 / (1 + e) : e / (1 + e)) - target;
        lossSum += Math.max(s, 0) + Math.log1p(e) - target * s;
      } else {
        residual = s - target;
        lossSum += 0.5 * residual * residual;
      }
      gb += residual;
      for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + residual * (z[off + j] as number);
    }
    const m = end - start;
    for (let j = 0; j < d; j++) w[j] = (w[j] as number) - lr * ((grad[j] as number) / m + l2 * (w[j] as number));
    b -= (lr * gb) / m;
  }
  return { intercept: b, lossSum };
}

function shuffle(items: Int32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    const tmp = items[i] as number;
    items[i] = items[j] as number;
    items[j] = tmp;
  }
}
