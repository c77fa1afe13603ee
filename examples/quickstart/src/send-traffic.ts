// Scores loans over HTTP with the Open Inference Protocol and logs every row to the stack's Monitor with
// its features, predicted class and score (the stack records each monitor window in lineage).
import type { InferencePredictor } from "@mlstack/serving";
import type { Stack } from "@mlstack/stack";
import { FEATURES, type Loan } from "./data-set.js";
import { DEPLOYMENT, MODEL } from "./model-contract.js";

/**
 * A default is predicted above this probability: defaults are rare (about one in seven) and costly.
 * `stack.deploy` gets the same threshold for the reference's prediction column.
 */
export const THRESHOLD = 0.25;

/** What one batch of traffic got back. */
export interface TrafficResult {
  readonly requests: number;
  readonly predictions: number[];
  /** Requests answered by each model version. */
  readonly versions: Record<string, number>;
}

/**
 * Sends `loans` to the deployment over HTTP, `batchSize` rows per request (each caller keeps its
 * routing key, so a traffic split is sticky), and logs every row to the Monitor at `timestamp`.
 */
export async function sendTraffic(
  stack: Stack,
  client: InferencePredictor,
  loans: readonly Loan[],
  options: { batchSize: number; timestamp: number; tag: string },
): Promise<TrafficResult> {
  const predictions: number[] = [];
  const versions: Record<string, number> = {};
  let requests = 0;
  for (let at = 0; at < loans.length; at += options.batchSize) {
    const batch = loans.slice(at, at + options.batchSize);
    const id = `${options.tag}-${at / options.batchSize}`;
    const response = await client.predict(
      MODEL,
      {
        id,
        inputs: [
          {
            name: "features",
            datatype: "FP64",
            shape: [batch.length, FEATURES.length],
            data: batch.flatMap((l) => FEATURES.map((f) => l[f])),
          },
        ],
      },
      { routingKey: `applicant-${batch[0]?.applicant_id}` },
    );
    requests++;
    const label = response.model_version ?? "?";
    versions[label] = (versions[label] ?? 0) + 1;
    const scores = (response.outputs[0]?.data ?? []) as number[];
    predictions.push(...scores);
    await stack.monitor.log(
      DEPLOYMENT,
      batch.map((l, i) => ({
        features: Object.fromEntries(FEATURES.map((f) => [f, l[f]])),
        prediction: (scores[i] ?? 0) >= THRESHOLD ? 1 : 0,
        score: scores[i] ?? Number.NaN,
        requestId: `${id}/${i}`,
        timestamp: options.timestamp,
      })),
    );
  }
  return { requests, predictions, versions };
}
