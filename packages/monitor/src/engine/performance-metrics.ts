/** Classifier metrics over labeled predictions (positive class as configured). */
export interface ClassificationMetrics {
  task: "classification";
  count: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** ROC AUC from the prediction scores (ties count one half); NaN without both classes or scores. */
  rocAuc: number;
}

/** Regressor metrics over labeled predictions. */
export interface RegressionMetrics {
  task: "regression";
  count: number;
  rmse: number;
  mae: number;
}

/** Model performance over a window. */
export type PerformanceMetrics = ClassificationMetrics | RegressionMetrics;

/** One labeled prediction of a classifier: the predicted class, an optional score of the positive class. */
export interface ClassifiedExample {
  predicted: string;
  actual: string;
  score?: number;
}

/** Accuracy, precision, recall and F1 of the positive class, and ROC AUC (Mann-Whitney with mid-ranks). */
export function classificationMetrics(examples: readonly ClassifiedExample[], positive: string): ClassificationMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (const e of examples) {
    if (e.predicted === e.actual) correct++;
    if (e.predicted === positive && e.actual === positive) tp++;
    else if (e.predicted === positive) fp++;
    else if (e.actual === positive) fn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    task: "classification",
    count: examples.length,
    accuracy: examples.length === 0 ? Number.NaN : correct / examples.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    rocAuc: rocAuc(
      examples
        .filter((e) => e.score !== undefined)
        .map((e) => ({ score: e.score as number, positive: e.actual === positive })),
    ),
  };
}

/** ROC AUC as the probability that a positive scores above a negative (ties count one half). */
export function rocAuc(scored: readonly { score: number; positive: boolean }[]): number {
  const sorted = [...scored].sort((a, b) => a.score - b.score);
  const positives = sorted.filter((s) => s.positive).length;
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]!.positive) rankSum += midRank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Root mean squared error and mean absolute error. */
export function regressionMetrics(pairs: readonly { predicted: number; actual: number }[]): RegressionMetrics {
  let se = 0;
  let ae = 0;
  for (const p of pairs) {
    const d = p.predicted - p.actual;
    se += d * d;
    ae += Math.abs(d);
  }
  const n = pairs.length;
  return {
    task: "regression",
    count: n,
    rmse: n === 0 ? Number.NaN : Math.sqrt(se / n),
    mae: n === 0 ? Number.NaN : ae / n,
  };
}
