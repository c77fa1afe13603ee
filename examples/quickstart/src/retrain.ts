// What the drift alert sets off: the new applications are committed, a model is trained on that commit
// with the sweep's best L2, registered as the next version, and canaried beside the champion.
import type { ModelVersionRef, Random } from "@mlstack/core";
import type { InferencePredictor } from "@mlstack/serving";
import type { Bricks } from "./bricks.js";
import { generateLoans } from "./data-set.js";
import { sendTraffic } from "./serve.js";
import { logRun, MODEL, registerModel, trainOnce, versionAndBuildTrainingSet } from "./train.js";

const FEBRUARY = Date.UTC(2026, 1, 1);

/** Retrains on a new data commit of post-downturn applications and splits traffic 90/10 with the champion. */
export async function retrainAndCanary(
  bricks: Bricks,
  client: InferencePredictor,
  random: Random,
  options: { experimentId: string; l2: number; champion: ModelVersionRef; timestamp: number },
) {
  const february = generateLoans(random, { count: 4000, firstId: 300_001, start: FEBRUARY, shift: true });
  const set = await versionAndBuildTrainingSet(bricks, february, "applications/2026-02.jsonl", "February applications");
  const run = await logRun(bricks, options.experimentId, await trainOnce(bricks, set, options.l2), set);
  const challenger = await registerModel(bricks, run);
  const status = await bricks.serving.update(MODEL, {
    traffic: [
      { model: options.champion, weight: 90 },
      { model: challenger, weight: 10 },
    ],
  });
  const split = Object.fromEntries(status.traffic.map((t) => [t.version, t.weight]));
  // One request per applicant, each its own routing key, so the split shows in the answers.
  const probe = generateLoans(random, { count: 400, firstId: 400_001, start: FEBRUARY, shift: true });
  const traffic = await sendTraffic(bricks, client, probe, {
    batchSize: 1,
    timestamp: options.timestamp,
    tag: "canary",
  });
  return { set, challenger, auc: run.metrics.auc, split, traffic };
}
