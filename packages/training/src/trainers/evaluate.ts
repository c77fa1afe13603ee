/** Area under the ROC curve of `scores` for 0/1 `labels` (rank statistic; ties get their mean rank). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const meanRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSum += meanRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean log-loss of probabilities `p` for 0/1 `labels` (probabilities clipped to [1e-15, 1 − 1e-15]). */
export function logLoss(p: ArrayLike<number>, labels: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i] as number));
    total -= labels[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return total / p.length;
}

/** Root mean squared error. */
export function rmse(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < predictions.length; i++) total += ((predictions[i] as number) - (targets[i] as number)) ** 2;
  return Math.sqrt(total / predictions.length);
}
