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

  // Standardisation from the training rows only, so validation stays unseen. The passes read x in
  // storage order, the fast way through memory, and sum in that order.
  const heldOut = nValidation > 0 ? new Uint8Array(n) : undefined;
  if (heldOut) for (let i = 0; i < nValidation; i++) heldOut[validationRows[i] as number] = 1;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  if (options.standardize) {
    columnSums(x, d, heldOut, mean);
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / nTrain;
    const variance = new Float64Array(d);
    centredSquareSums(x, d, heldOut, mean, variance);
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt((variance[j] as number) / nTrain);
      scale[j] = sd > 0 ? sd : 1;
    }
  }
  // The standardised rows in their shuffled order.
  const train = layOut(x, y, d, trainRows, mean, scale);
  const validation = layOut(x, y, d, validationRows, mean, scale);
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
  const residuals = new Float64Array(batch);
  for (let i = 0; i < batches.length; i++) batches[i] = i;
  while (epoch < options.epochs) {
    if (options.signal?.aborted)
      throw new MlstackError("CANCELLED", "training was aborted", { cause: options.signal.reason });
    const lr = options.learningRate / (1 + options.learningRateDecay * epoch);
    shuffle(batches, random);
    const pass = runEpoch(z, t, d, batch, batches, w, grad, residuals, b, lr, options.l2, logistic);
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

// Sums each column of the row-major matrix x over the rows not held out, in row order, into `sums`.
// Four rows per read and write of sums[j]; the additions stay in row order, so the sums are unchanged.
function columnSums(x: Float64Array, d: number, heldOut: Uint8Array | undefined, sums: Float64Array): void {
  const n = x.length / d;
  let r = 0;
  if (heldOut === undefined) {
    for (; r + 4 <= n; r += 4) {
      const o0 = r * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      for (let j = 0; j < d; j++) {
        sums[j] =
          (sums[j] as number) +
          (x[o0 + j] as number) +
          (x[o1 + j] as number) +
          (x[o2 + j] as number) +
          (x[o3 + j] as number);
      }
    }
  }
  for (; r < n; r++) {
    if (heldOut !== undefined && heldOut[r] === 1) continue;
    const off = r * d;
    for (let j = 0; j < d; j++) sums[j] = (sums[j] as number) + (x[off + j] as number);
  }
}

// Sums each column's squared deviations from `mean` over the rows not held out, in row order (four rows
// at a time without a split, as in columnSums).
function centredSquareSums(
  x: Float64Array,
  d: number,
  heldOut: Uint8Array | undefined,
  mean: Float64Array,
  sums: Float64Array,
): void {
  const n = x.length / d;
  let r = 0;
  if (heldOut === undefined) {
    for (; r + 4 <= n; r += 4) {
      const o0 = r * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      for (let j = 0; j < d; j++) {
        const m = mean[j] as number;
        const c0 = (x[o0 + j] as number) - m;
        const c1 = (x[o1 + j] as number) - m;
        const c2 = (x[o2 + j] as number) - m;
        const c3 = (x[o3 + j] as number) - m;
        sums[j] = (sums[j] as number) + c0 * c0 + c1 * c1 + c2 * c2 + c3 * c3;
      }
    }
  }
  for (; r < n; r++) {
    if (heldOut !== undefined && heldOut[r] === 1) continue;
    const off = r * d;
    for (let j = 0; j < d; j++) {
      const c = (x[off + j] as number) - (mean[j] as number);
      sums[j] = (sums[j] as number) + c * c;
    }
  }
}

// Rows per stripe of layOut (2^14 rows of 20 features: 2.6 MB, cache-resident).
const STRIPE_SHIFT = 14;
// Source rows per call of bucketRows.
const BUCKET_CHUNK = 1024;

// Copies the given rows of x, standardised, and their targets into new arrays in the order of `rows`.
// Copying row by row in that order reads x at random places and waits on memory for every row (scattering
// in storage order writes at random places, as slow), so it takes two passes: the first reads x in storage
// order and appends each row to its destination's stripe (a few dozen sequential write streams), the second
// puts each stripe's rows in place while the stripe is in cache. Values are only copied, never recomputed.
function layOut(
  x: Float64Array,
  y: Float64Array,
  d: number,
  rows: Int32Array,
  mean: Float64Array,
  scale: Float64Array,
): { z: Float64Array; t: Float64Array } {
  const n = y.length;
  const count = rows.length;
  const z = new Float64Array(count * d);
  const t = new Float64Array(count);
  if (count === 0) return { z, t };
  const destination = new Int32Array(n).fill(-1);
  for (let k = 0; k < count; k++) destination[rows[k] as number] = k;
  const stripeRows = 1 << STRIPE_SHIFT;
  const stripes = Math.ceil(count / stripeRows);
  // The next free row of each stripe, and the final position of each row appended.
  const cursor = new Int32Array(stripes);
  for (let s = 0; s < stripes; s++) cursor[s] = s * stripeRows;
  const position = new Int32Array(count);
  for (let r = 0; r < n; r += BUCKET_CHUNK) {
    bucketRows(x, y, d, destination, r, Math.min(r + BUCKET_CHUNK, n), mean, scale, cursor, position, z, t);
  }
  const rowsPerStripe = Math.min(stripeRows, count);
  const stripeZ = new Float64Array(rowsPerStripe * d);
  const stripeT = new Float64Array(rowsPerStripe);
  for (let s = 0; s < stripes; s++) {
    const first = s * stripeRows;
    const last = Math.min(first + stripeRows, count);
    stripeZ.set(z.subarray(first * d, last * d));
    stripeT.set(t.subarray(first, last));
    placeStripe(stripeZ, stripeT, d, position, first, last, z, t);
  }
  return { z, t };
}

// The first pass of layOut over source rows [first, last). A function of its own, called many times, so V8
// optimises it as a whole (one long loop nest ran much slower as on-stack-replaced code).
function bucketRows(
  x: Float64Array,
  y: Float64Array,
  d: number,
  destination: Int32Array,
  first: number,
  last: number,
  mean: Float64Array,
  scale: Float64Array,
  cursor: Int32Array,
  position: Int32Array,
  z: Float64Array,
  t: Float64Array,
): void {
  for (let r = first; r < last; r++) {
    const k = destination[r] as number;
    if (k < 0) continue;
    const s = k >>> STRIPE_SHIFT;
    const c = cursor[s] as number;
    cursor[s] = c + 1;
    position[c] = k;
    const from = r * d;
    const to = c * d;
    for (let j = 0; j < d; j++) z[to + j] = ((x[from + j] as number) - (mean[j] as number)) / (scale[j] as number);
    t[c] = y[r] as number;
  }
}

// The second pass of layOut for one stripe, rows [first, last) of z, whose copy is in stripeZ/stripeT.
function placeStripe(
  stripeZ: Float64Array,
  stripeT: Float64Array,
  d: number,
  position: Int32Array,
  first: number,
  last: number,
  z: Float64Array,
  t: Float64Array,
): void {
  for (let c = first; c < last; c++) {
    const k = position[c] as number;
    const from = (c - first) * d;
    const to = k * d;
    for (let j = 0; j < d; j++) z[to + j] = stripeZ[from + j] as number;
    t[k] = stripeT[c - first] as number;
  }
}

// One epoch of mini-batch steps over the laid-out training rows; updates `w` in place and returns the new
// intercept and the sum of the rows' losses.
function runEpoch(
  z: Float64Array,
  t: Float64Array,
  d: number,
  batch: number,
  batches: Int32Array,
  w: Float64Array,
  grad: Float64Array,
  residuals: Float64Array,
  intercept: number,
  lr: number,
  l2: number,
  logistic: boolean,
): { intercept: number; lossSum: number } {
  const nTrain = t.length;
  // [intercept, loss sum], carried from batch to batch.
  const state = new Float64Array([intercept, 0]);
  for (let bi = 0; bi < batches.length; bi++) {
    const start = (batches[bi] as number) * batch;
    step(z, t, d, start, Math.min(start + batch, nTrain), w, grad, residuals, state, lr, l2, logistic);
  }
  return { intercept: state[0] as number, lossSum: state[1] as number };
}

// One gradient step on rows [start, end). A function of its own, called thousands of times per epoch, so V8
// optimises it early and as a whole (one long loop nest runs its first epoch as on-stack-replaced code).
function step(
  z: Float64Array,
  t: Float64Array,
  d: number,
  start: number,
  end: number,
  w: Float64Array,
  grad: Float64Array,
  residuals: Float64Array,
  state: Float64Array,
  lr: number,
  l2: number,
  logistic: boolean,
): void {
  const b = state[0] as number;
  let lossSum = state[1] as number;
  const m = end - start;
  // Margins first (w is fixed within a batch), four rows at a time: four independent sums keep the
  // floating-point units busy, and each sum still adds its terms in feature order.
  let k = start;
  for (; k + 4 <= end; k += 4) {
    const o0 = k * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    let s0 = b;
    let s1 = b;
    let s2 = b;
    let s3 = b;
    for (let j = 0; j < d; j++) {
      const wj = w[j] as number;
      s0 += wj * (z[o0 + j] as number);
      s1 += wj * (z[o1 + j] as number);
      s2 += wj * (z[o2 + j] as number);
      s3 += wj * (z[o3 + j] as number);
    }
    residuals[k - start] = s0;
    residuals[k - start + 1] = s1;
    residuals[k - start + 2] = s2;
    residuals[k - start + 3] = s3;
  }
  for (; k < end; k++) {
    const off = k * d;
    let s = b;
    for (let j = 0; j < d; j++) s += (w[j] as number) * (z[off + j] as number);
    residuals[k - start] = s;
  }
  // Residuals and losses, summed in row order.
  let gb = 0;
  for (let i = 0; i < m; i++) {
    const s = residuals[i] as number;
    const target = t[start + i] as number;
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
    residuals[i] = residual;
    gb += residual;
  }
  // The gradient, each feature's terms added in row order, four rows per read and write of grad[j].
  grad.fill(0);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r0 = residuals[i] as number;
    const r1 = residuals[i + 1] as number;
    const r2 = residuals[i + 2] as number;
    const r3 = residuals[i + 3] as number;
    const o0 = (start + i) * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    for (let j = 0; j < d; j++) {
      let g = (grad[j] as number) + r0 * (z[o0 + j] as number);
      g += r1 * (z[o1 + j] as number);
      g += r2 * (z[o2 + j] as number);
      grad[j] = g + r3 * (z[o3 + j] as number);
    }
  }
  for (; i < m; i++) {
    const r = residuals[i] as number;
    const off = (start + i) * d;
    for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + r * (z[off + j] as number);
  }
  for (let j = 0; j < d; j++) w[j] = (w[j] as number) - lr * ((grad[j] as number) / m + l2 * (w[j] as number));
  state[0] = b - (lr * gb) / m;
  state[1] = lossSum;
}

function shuffle(items: Int32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    const tmp = items[i] as number;
    items[i] = items[j] as number;
    items[j] = tmp;
  }
}
