// Serving and monitoring: scores loans over HTTP with the Open Inference Protocol and logs every request
// to the Monitor with its features, prediction and score.
import { type DeploymentRef, MlstackError, type ModelVersionRef, type TrainingSetRef } from "@mlstack/core";
import type { ModelSignature } from "@mlstack/metadata";
import type { InferencePredictor } from "@mlstack/serving";
import type { Bricks } from "./bricks.js";
import { FEATURES, type Loan } from "./data-set.js";
import { MODEL } from "./train.js";

export const DEPLOYMENT: DeploymentRef = { kind: "deployment", name: MODEL };

/**
 * The registry keeps a model's signature as core Schemas (a field per feature); the linear runtime wants
 * Open Inference Protocol tensors: one FP64 matrix of the input fields in order, one FP64 vector per output.
 */
export function tensorSignature(signature: ModelSignature) {
  return {
    inputs: [{ name: "features", datatype: "FP64" as const, shape: [-1, signature.inputs.fields.length] }],
    outputs: signature.outputs.fields.map((f) => ({ name: f.name, datatype: "FP64" as const, shape: [-1] })),
  };
}

/** Deploys `model` and registers the deployment with the Monitor, with the training set as reference. */
export async function deployAndWatch(
  bricks: Bricks,
  model: ModelVersionRef,
  reference: { rows: readonly Record<string, unknown>[]; trainingSet: TrainingSetRef },
  windowMs: number,
) {
  const { signature } = await bricks.metadata.getModelVersion(model.model, model.version);
  if (!signature)
    throw new MlstackError("FAILED_PRECONDITION", `${model.model}/${model.version} was registered without a signature`);
  const status = await bricks.serving.deploy({
    name: MODEL,
    runtime: "linear",
    signature: tensorSignature(signature),
    model,
  });
  await bricks.monitor.registerDeployment({
    deployment: DEPLOYMENT,
    schema: {
      fields: FEATURES.map((name) => ({ name, type: name === "age" ? ("int32" as const) : ("float64" as const) })),
    },
    prediction: { task: "classification", positiveLabel: "1" },
    windowMs,
  });
  // The reference is the training set as the champion scores it (in process), so the prediction column
  // has a reference distribution too.
  const features = reference.rows.map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]])));
  const scored = await bricks.serving.predict(MODEL, {
    inputs: [
      {
        name: "features",
        datatype: "FP64",
        shape: [features.length, FEATURES.length],
        data: features.flatMap((r) => FEATURES.map((f) => Number(r[f]))),
      },
    ],
  });
  const scores = (scored.outputs[0]?.data ?? []) as number[];
  await bricks.monitor.setReference(DEPLOYMENT, {
    rows: features.map((r, i) => ({ ...r, prediction: classOf(scores[i]) })),
    trainingSet: reference.trainingSet,
  });
  await bricks.monitor.putAlertRule({
    deployment: DEPLOYMENT,
    name: "dataset-drift",
    metric: "dataset_drift",
    comparison: ">=",
    threshold: 1,
    windowMs,
  });
  return status;
}

// A default is predicted above a probability of 0.25: defaults are rare (about one in seven) and costly.
function classOf(score: number | undefined): number {
  return (score ?? 0) >= 0.25 ? 1 : 0;
}

/** What one batch of traffic got back. */
export interface TrafficResult {
  readonly requests: number;
  readonly predictions: number[];
  /** Requests answered by each model version label. */
  readonly versions: Record<string, number>;
}

/**
 * Sends `loans` to the deployment over HTTP, `batchSize` rows per request (each caller keeps its
 * routing key, so a traffic split is sticky), and logs every row to the Monitor at `timestamp`.
 */
export async function sendTraffic(
  bricks: Bricks,
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
    await bricks.monitor.log(
      DEPLOYMENT,
      batch.map((l, i) => ({
        features: Object.fromEntries(FEATURES.map((f) => [f, l[f]])),
        prediction: classOf(scores[i]),
        score: scores[i] ?? Number.NaN,
        requestId: `${id}/${i}`,
        timestamp: options.timestamp,
      })),
    );
  }
  return { requests, predictions, versions };
}
