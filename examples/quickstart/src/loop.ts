// The whole loop, brick by brick: version data, build features, sweep, track, register, serve over HTTP,
// monitor, detect drift, retrain on the new data commit, canary, and trace the served model's lineage.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRandom, MlstackError, type ModelVersionRef, refKey, SystemClock } from "@mlstack/core";
import type { LineageGraph } from "@mlstack/metadata";
import { renderDriftReport } from "@mlstack/monitor";
import { createInferenceClient, createInferenceServer } from "@mlstack/serving";
import { openBricks } from "./bricks.js";
import { generateLoans } from "./data-set.js";
import { retrainAndCanary } from "./retrain.js";
import { DEPLOYMENT, deployAndWatch, sendTraffic } from "./serve.js";
import { logRun, MODEL, REPO, registerModel, sweepL2, versionAndBuildTrainingSet } from "./train.js";

/** Options of {@link runQuickstart}. */
export interface QuickstartOptions {
  /** Where the bricks keep their files; default a fresh temporary folder. */
  folder?: string;
  /** Keep the folder afterwards (default: removed). */
  keep?: boolean;
  /** Seeds the synthetic data; default 42. */
  seed?: number;
  /** The summary lines; default stdout. */
  log?: (line: string) => void;
  /** The step lines while it runs; default stderr. */
  progress?: (line: string) => void;
}

/** What the loop did, for tests and callers. */
export interface QuickstartResult {
  folder: string;
  dataCommits: string[];
  trainingSets: string[];
  trials: number;
  champion: ModelVersionRef;
  /** The model retrained after the drift alert (absent when no alert fired). */
  challenger?: ModelVersionRef;
  predictions: number;
  driftDetected: boolean;
  driftedColumns: string[];
  alertsFired: string[];
  /** The canary's split and how many requests each version answered (absent when no alert fired). */
  canary?: { traffic: Record<string, number>; answered: Record<string, number> };
  lineage: string[];
  reportPath: string;
}

const DAY = 86_400_000;
const WINDOW_MS = 3_600_000;
const START = Date.UTC(2026, 0, 1);

/** Runs the quickstart loop on embedded backends and shuts everything down. */
export async function runQuickstart(options: QuickstartOptions = {}): Promise<QuickstartResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = new SystemClock();
  const began = clock.now();
  let stepNo = 0;
  const step = (what: string) => progress(`[${++stepNo}/10 ${((clock.now() - began) / 1000).toFixed(1)}s] ${what}`);

  const folder = options.folder ?? (await mkdtemp(join(tmpdir(), "mlstack-quickstart-")));
  const random = createRandom(options.seed ?? 42);
  // Closed in reverse order whatever happens; a failure to close fails the run only if the loop succeeded.
  const resources: { close(): Promise<void> }[] = [];
  let result: QuickstartResult;
  let failure: unknown;
  try {
    const bricks = await openBricks(folder);
    resources.push(bricks);
    const server = await createInferenceServer(bricks.serving);
    resources.push(server);
    step("DataEngine: versioning 4,000 loan applications as a table");
    await bricks.data.createRepo(REPO);
    const january = generateLoans(random, { count: 4000, firstId: 1, start: START });
    const v1 = await versionAndBuildTrainingSet(bricks, january, "applications/2026-01.jsonl", "January applications");
    log(`data commit        ${refKey(v1.commit)}`);
    step("FeatureStore: point-in-time training set built");
    log(`training set       ${refKey(v1.trainingSet)} (${v1.rows.length} rows)`);

    step("TrainingEngine: sweeping the L2 strength (4 trials)");
    const sweep = await sweepL2(bricks, v1, [0, 0.001, 0.01, 0.1]);
    const experiment = await bricks.metadata.createExperiment({ name: MODEL });
    let bestRun: Awaited<ReturnType<typeof logRun>> | undefined;
    for (const job of sweep.jobs) {
      const run = await logRun(bricks, experiment.experimentId, job, v1);
      if (job.ref.jobId === sweep.best.ref.jobId) bestRun = run;
      const { auc, log_loss } = run.metrics;
      log(`  run ${run.runId}  l2=${run.params.l2}  auc=${auc?.toFixed(4)}  log_loss=${log_loss?.toFixed(4)}`);
    }
    if (!bestRun) throw new MlstackError("INTERNAL", "the best trial has no run");

    step("MetadataStore: registering the best model as champion");
    await bricks.metadata.createRegisteredModel(MODEL);
    const champion = await registerModel(bricks, bestRun);
    await bricks.metadata.setAlias(MODEL, "champion", champion.version, { expected: null, by: "quickstart" });
    log(`registered         ${refKey(champion)} (l2=${sweep.bestL2}, alias champion)`);

    step("ServingEngine: deploying the champion, serving over HTTP (Open Inference Protocol)");
    await deployAndWatch(bricks, champion, v1, WINDOW_MS);
    const client = createInferenceClient(server.url);
    log(`inference server   ${server.url}/v2/models/${MODEL}/infer`);

    step("Monitor: logging a window of ordinary traffic");
    const now = clock.now();
    const calm = Math.floor(now / WINDOW_MS) * WINDOW_MS - 2 * WINDOW_MS;
    const shifted = calm + WINDOW_MS;
    const fired: string[] = [];
    bricks.monitor.events.on("alert.firing", (e) => fired.push(`${e.rule.name} (value ${e.value})`));
    const ordinary = generateLoans(random, { count: 600, firstId: 100_001, start: START + 31 * DAY });
    const calmTraffic = await sendTraffic(bricks, client, ordinary, { batchSize: 50, timestamp: calm, tag: "calm" });
    await bricks.monitor.evaluateAlerts(DEPLOYMENT, { at: calm });
    const calmDrift = await bricks.monitor.drift(await bricks.monitor.windowAt(DEPLOYMENT, calm));
    log(
      `ordinary window    ${calmTraffic.predictions.length} predictions over HTTP, drift: ${calmDrift.dataset.status}`,
    );

    step("Monitor: logging a window of shifted traffic (a downturn)");
    const downturn = generateLoans(random, { count: 600, firstId: 200_001, start: START + 31 * DAY, shift: true });
    const shiftedTraffic = await sendTraffic(bricks, client, downturn, {
      batchSize: 50,
      timestamp: shifted,
      tag: "shift",
    });
    const drift = await bricks.monitor.drift(await bricks.monitor.windowAt(DEPLOYMENT, shifted));
    await bricks.monitor.evaluateAlerts(DEPLOYMENT, { at: shifted });
    log(
      `shifted window     drift: ${drift.dataset.status}, drifted columns: ${drift.dataset.driftedColumns.join(", ")}`,
    );
    for (const c of drift.columns) {
      const score = Number.isNaN(c.score) ? "n/a" : c.score.toFixed(4);
      log(`  ${c.column.padEnd(13)} ${c.method.padEnd(14)} ${score.padStart(7)}  ${c.status}`);
    }
    log(`alerts fired       ${fired.join("; ") || "none"}`);

    // The alert is what retrains: no alert, no new model.
    let retrained: Awaited<ReturnType<typeof retrainAndCanary>> | undefined;
    if (fired.length > 0) {
      step("Alert: retraining on a new data commit, then a 90/10 canary");
      retrained = await retrainAndCanary(bricks, client, random, {
        experimentId: experiment.experimentId,
        l2: sweep.bestL2,
        champion,
        timestamp: shifted,
      });
      log(`data commit        ${refKey(retrained.set.commit)}`);
      log(`registered         ${refKey(retrained.challenger)} (auc=${retrained.auc?.toFixed(4)} on the new data)`);
      log(
        `canary             split ${JSON.stringify(retrained.split)}, answered ${JSON.stringify(retrained.traffic.versions)}`,
      );
    } else {
      step("No alert: the champion keeps serving");
    }

    step("MetadataStore: lineage of the served models, upstream");
    const lineage: string[] = [];
    for (const ref of retrained ? [champion, retrained.challenger] : [champion]) {
      const graph = await bricks.metadata.lineage(ref, { direction: "upstream" });
      for (const line of describeLineage(graph, refKey(ref))) {
        log(line);
        lineage.push(line);
      }
    }

    step("Monitor: writing the HTML drift report");
    const reportPath = join(folder, "drift-report.html");
    await writeFile(reportPath, renderDriftReport(drift));
    log(`drift report       ${reportPath}${options.keep ? "" : " (removed at exit; pass --keep to keep it)"}`);
    progress(`done in ${((clock.now() - began) / 1000).toFixed(1)} s`);
    const sets = retrained ? [v1, retrained.set] : [v1];
    result = {
      folder,
      dataCommits: sets.map((v) => refKey(v.commit)),
      trainingSets: sets.map((v) => refKey(v.trainingSet)),
      trials: sweep.jobs.length,
      champion,
      predictions:
        calmTraffic.predictions.length +
        shiftedTraffic.predictions.length +
        (retrained?.traffic.predictions.length ?? 0),
      driftDetected: drift.dataset.status === "drift",
      driftedColumns: drift.dataset.driftedColumns,
      alertsFired: fired,
      ...(retrained
        ? {
            challenger: retrained.challenger,
            canary: { traffic: retrained.split, answered: retrained.traffic.versions },
          }
        : {}),
      lineage,
      reportPath,
    };
  } finally {
    for (const resource of resources.reverse()) await resource.close().catch((e: unknown) => (failure ??= e));
    if (!options.keep) await rm(folder, { recursive: true, force: true });
  }
  if (failure !== undefined) throw failure;
  return result;
}

/** One line per hop: each execution with the artifacts it read and wrote, from the start ref upstream. */
function describeLineage(graph: LineageGraph, start: string): string[] {
  const lines = [`lineage of ${start}:`];
  for (const execution of graph.executions) {
    const of = (type: "input" | "output") =>
      graph.events.filter((e) => e.execution === execution.id && e.type === type).map((e) => e.artifact);
    lines.push(`  ${of("output").join(", ")}`, `    ← ${execution.id}`, ...of("input").map((a) => `      ← ${a}`));
  }
  return lines;
}
