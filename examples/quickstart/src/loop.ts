// The whole loop through the Stack: validate and start the composed bricks, version data, build a
// point-in-time training set, sweep, register the champion, deploy and serve over HTTP, monitor, let the
// drift alert retrain and canary automatically, then explain the served deployment's lineage and draw
// the coverage map.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRandom, isMlstackError, MlstackError, type ModelVersionRef, refKey, SystemClock } from "@mlstack/core";
import { renderDriftReport } from "@mlstack/monitor";
import { createInferenceClient, createInferenceServer } from "@mlstack/serving";
import type { DriftLoop, Finding, Stack } from "@mlstack/stack";
import { FEATURES, generateLoans } from "./data-set.js";
import { DEPLOYMENT, LABEL, MODEL } from "./model-contract.js";
import { INFERENCE_SERVER, openStack } from "./open-stack.js";
import { sendTraffic, THRESHOLD } from "./send-traffic.js";
import { type VersionedLoans, versionLoans } from "./version-loans.js";

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

/** The files the loop writes into its folder. */
export interface QuickstartFiles {
  /** The HTML drift report of the shifted window. */
  driftReport: string;
  /** The coverage map as a self-contained page and as a picture. */
  coverageHtml: string;
  coverageSvg: string;
  /** The served deployment's lineage as a Mermaid flowchart. */
  lineage: string;
}

/** What the loop did, for tests and callers. */
export interface QuickstartResult {
  folder: string;
  /** `validate()`'s findings (the loop stops before starting the stack when one is an error). */
  findings: readonly Finding[];
  /** The data commits (January, then February when the alert retrained), as ref keys. */
  dataCommits: string[];
  /** The training sets built from them, as ref keys. */
  trainingSets: string[];
  trials: number;
  /** The sweep's parent run and its child runs' ids. */
  runs: { parent: string; children: string[] };
  champion: ModelVersionRef;
  /** The model the drift loop retrained (absent when no alert fired). */
  challenger?: ModelVersionRef;
  predictions: number;
  driftDetected: boolean;
  driftedColumns: string[];
  alertsFired: string[];
  /** The canary's split and how many requests each version answered (absent when no alert fired). */
  canary?: { traffic: Record<string, number>; answered: Record<string, number> };
  /** The served deployment's lineage, upstream: its text and the ref keys of every artifact in it. */
  lineage: { text: string; artifacts: string[] };
  /** The coverage map: its text, the stages nothing covers and those only partly covered. */
  coverage: { text: string; gaps: string[]; partial: string[] };
  files: QuickstartFiles;
}

const DAY = 86_400_000;
const WINDOW_MS = 3_600_000;
const JANUARY = Date.UTC(2026, 0, 1);
const FEBRUARY = Date.UTC(2026, 1, 1);
const STEPS = 11;

/** Runs the quickstart loop on embedded backends and shuts everything down. */
export async function runQuickstart(options: QuickstartOptions = {}): Promise<QuickstartResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = new SystemClock();
  const began = clock.now();
  let stepNo = 0;
  const step = (what: string) =>
    progress(`[${++stepNo}/${STEPS} ${((clock.now() - began) / 1000).toFixed(1)}s] ${what}`);

  const folder = options.folder ?? (await mkdtemp(join(tmpdir(), "mlstack-quickstart-")));
  const random = createRandom(options.seed ?? 42);
  // Closed in reverse order whatever happens; a failure to close fails the run only if the loop succeeded.
  const resources: { close(): Promise<void> }[] = [];
  let result: QuickstartResult;
  let failure: unknown;
  try {
    step("Stack: composing the six bricks on embedded backends, validating, starting");
    const stack = await openStack(folder);
    const report = stack.validate();
    log(`validate: ${report.ok ? "ok" : "failed"}, ${report.findings.length} findings`);
    for (const f of report.findings) log(`  ${f.severity} ${f.code} at ${f.path}: ${f.message} (${f.hint})`);
    if (!report.ok) {
      throw new MlstackError("FAILED_PRECONDITION", "the quickstart's stack does not validate", {
        details: { findings: report.findings },
      });
    }
    await stack.start();
    resources.push({ close: () => stack.stop() });
    // The HTTP server sees the ServingEngine through the inference server's view: every call is checked.
    const servingView = stack.as(INFERENCE_SERVER).serving;
    const server = await createInferenceServer(servingView);
    resources.push(server);

    step("DataEngine: versioning 4,000 loan applications as a table");
    await stack.data.createRepo("loans");
    const january = generateLoans(random, { count: 4000, firstId: 1, start: JANUARY });
    const v1 = await versionLoans(stack, january, "applications/2026-01.jsonl", "January applications");
    log(`data commit        ${refKey(v1.commit)}`);
    step("FeatureStore: point-in-time training set built and snapshotted for the trainer");
    log(`training set       ${refKey(v1.trainingSet.ref)} (${v1.trainingSet.rows.length} rows)`);

    step("TrainingEngine: sweeping the L2 strength (4 trials), each trial a run");
    const sweep = await stack.sweep({
      trainer: { name: "mlstack.linear", version: "1" },
      baseParams: { task: "binary-classification", features: [...FEATURES], label: LABEL, epochs: 30, batchSize: 128 },
      space: { l2: { type: "choice", values: [0, 0.001, 0.01, 0.1] } },
      objective: { metric: "log_loss", goal: "min" },
      algorithm: "grid",
      seed: 7,
      maxTrials: 4,
      parallelism: 2,
      inputs: [v1.trainingSet.ref],
    });
    if (!sweep.best) throw new MlstackError("FAILED_PRECONDITION", `the sweep found no model: ${sweep.stoppedReason}`);
    log(`sweep run          ${sweep.parentRun.runId}`);
    for (const trial of sweep.trials) {
      const run = sweep.runs[trial.number];
      const metric = (key: string) => run?.metrics[key]?.value.toFixed(4) ?? "n/a";
      log(`  run ${run?.runId}  l2=${trial.params.l2}  auc=${metric("auc")}  log_loss=${metric("log_loss")}`);
    }

    step("MetadataStore: registering the best model as champion");
    const registered = await stack.registerModel({ job: sweep.best.job, model: MODEL, alias: "champion" });
    const champion: ModelVersionRef = { kind: "model-version", model: MODEL, version: registered.version };
    log(`registered         ${refKey(champion)} (l2=${sweep.best.params.l2}, alias champion)`);

    step("ServingEngine: deploying the champion with its Monitor, serving over HTTP (Open Inference Protocol)");
    await stack.deploy({
      model: champion,
      monitor: {
        reference: { rows: v1.trainingSet.rows, trainingSet: v1.trainingSet.ref },
        windowMs: WINDOW_MS,
        task: "classification",
        threshold: THRESHOLD,
      },
    });
    const client = createInferenceClient(server.url);
    log(`inference server   ${server.url}/v2/models/${MODEL}/infer (as ${INFERENCE_SERVER.id})`);
    const denied = await servingView.undeploy(MODEL).then(
      () => undefined,
      (error: unknown) => (isMlstackError(error, "PERMISSION_DENIED") ? error : Promise.reject(error)),
    );
    if (!denied) throw new MlstackError("INTERNAL", `${INFERENCE_SERVER.id} could undeploy ${MODEL}`);
    log(`access             ${INFERENCE_SERVER.id} may not undeploy: ${denied.code}`);

    // The loop waits for a drift alert on the deployment: it builds the February training set, retrains,
    // registers the next version and canaries it at 10%.
    let february: VersionedLoans | undefined;
    const loop = watchDrift(stack, async () => {
      const loans = generateLoans(random, { count: 4000, firstId: 300_001, start: FEBRUARY, shift: true });
      february = await versionLoans(stack, loans, "applications/2026-02.jsonl", "February applications");
      return february.trainingSet;
    });
    resources.push(loop);
    const fired: string[] = [];
    stack.monitor.events.on("alert.firing", (e) => fired.push(`${e.rule.name} (value ${e.value})`));

    step("Monitor: logging a window of ordinary traffic");
    const calm = Math.floor(clock.now() / WINDOW_MS) * WINDOW_MS - 2 * WINDOW_MS;
    const shifted = calm + WINDOW_MS;
    const ordinary = generateLoans(random, { count: 600, firstId: 100_001, start: JANUARY + 31 * DAY });
    const calmTraffic = await sendTraffic(stack, client, ordinary, { batchSize: 50, timestamp: calm, tag: "calm" });
    await stack.monitor.evaluateAlerts(DEPLOYMENT, { at: calm });
    const calmDrift = await stack.monitor.drift(await stack.monitor.windowAt(DEPLOYMENT, calm));
    log(
      `ordinary window    ${calmTraffic.predictions.length} predictions over HTTP, drift: ${calmDrift.dataset.status}`,
    );

    step("Monitor: logging a window of shifted traffic (a downturn)");
    const downturn = generateLoans(random, { count: 600, firstId: 200_001, start: JANUARY + 31 * DAY, shift: true });
    const shiftedTraffic = await sendTraffic(stack, client, downturn, {
      batchSize: 50,
      timestamp: shifted,
      tag: "shift",
    });
    const drift = await stack.monitor.drift(await stack.monitor.windowAt(DEPLOYMENT, shifted));
    log(
      `shifted window     drift: ${drift.dataset.status}, drifted columns: ${drift.dataset.driftedColumns.join(", ")}`,
    );
    for (const c of drift.columns) {
      const score = Number.isNaN(c.score) ? "n/a" : c.score.toFixed(4);
      log(`  ${c.column.padEnd(13)} ${c.method.padEnd(14)} ${score.padStart(7)}  ${c.status}`);
    }
    // Firing the alert is what retrains: the drift loop takes it from here.
    await stack.monitor.evaluateAlerts(DEPLOYMENT, { at: shifted });
    log(`alerts fired       ${fired.join("; ") || "none"}`);

    step("Drift loop: retraining on the new data commit, registering, canarying at 90/10");
    await loop.idle();
    const retrain = loop.retrains[0];
    let canaryTraffic: Awaited<ReturnType<typeof sendTraffic>> | undefined;
    let challenger: ModelVersionRef | undefined;
    let split: Record<string, number> | undefined;
    if (retrain && february) {
      challenger = retrain.modelVersion;
      split = Object.fromEntries(retrain.deployment.traffic.map((t) => [t.version, t.weight]));
      const run = await stack.runOf(retrain.job);
      log(`data commit        ${refKey(february.commit)}`);
      log(`training set       ${refKey(retrain.trainingSet)}`);
      log(`registered         ${refKey(challenger)} (auc=${run.metrics.auc?.value.toFixed(4)} on the new data)`);
      // One request per applicant, each its own routing key, so the split shows in the answers.
      const probe = generateLoans(random, { count: 400, firstId: 400_001, start: FEBRUARY, shift: true });
      canaryTraffic = await sendTraffic(stack, client, probe, { batchSize: 1, timestamp: shifted, tag: "canary" });
      log(`canary             split ${JSON.stringify(split)}, answered ${JSON.stringify(canaryTraffic.versions)}`);
    } else {
      log("no retrain         the champion keeps serving");
    }

    step("Lineage: the served deployment, upstream to its data commits");
    const explanation = await stack.explain(DEPLOYMENT);
    for (const line of explanation.text.split("\n")) log(line);
    const files: QuickstartFiles = {
      driftReport: join(folder, "drift-report.html"),
      coverageHtml: join(folder, "coverage.html"),
      coverageSvg: join(folder, "coverage.svg"),
      lineage: join(folder, "lineage.mmd"),
    };
    await writeFile(files.lineage, explanation.mermaid);

    step("Coverage: which canonical stage each brick covers; writing the reports");
    const coverage = stack.coverage();
    for (const line of coverage.text.split("\n")) log(line);
    await writeFile(files.coverageHtml, coverage.html);
    await writeFile(files.coverageSvg, coverage.svg);
    await writeFile(files.driftReport, renderDriftReport(drift));
    const kept = options.keep ? "" : " (removed at exit; pass --keep to keep them)";
    log(`files              ${Object.values(files).join(", ")}${kept}`);
    progress(`done in ${((clock.now() - began) / 1000).toFixed(1)} s`);

    const sets = february ? [v1, february] : [v1];
    result = {
      folder,
      findings: report.findings,
      dataCommits: sets.map((v) => refKey(v.commit)),
      trainingSets: sets.map((v) => refKey(v.trainingSet.ref)),
      trials: sweep.trials.length,
      runs: {
        parent: sweep.parentRun.runId,
        children: Object.values(sweep.runs).map((r) => r.runId),
      },
      champion,
      predictions:
        calmTraffic.predictions.length + shiftedTraffic.predictions.length + (canaryTraffic?.predictions.length ?? 0),
      driftDetected: drift.dataset.status === "drift",
      driftedColumns: drift.dataset.driftedColumns,
      alertsFired: fired,
      ...(challenger && split && canaryTraffic
        ? { challenger, canary: { traffic: split, answered: canaryTraffic.versions } }
        : {}),
      lineage: {
        text: explanation.text,
        artifacts: explanation.graph.artifacts.map((a) => a.key),
      },
      coverage: { text: coverage.text, gaps: [...coverage.gaps], partial: [...coverage.partial] },
      files,
    };
  } finally {
    for (const resource of resources.reverse()) await resource.close().catch((e: unknown) => (failure ??= e));
    if (!options.keep) await rm(folder, { recursive: true, force: true });
  }
  if (failure !== undefined) throw failure;
  return result;
}

/** Starts the drift loop on the deployment; a failed retrain fails the run when the loop is awaited. */
function watchDrift(
  stack: Stack,
  trainingSet: () => Promise<VersionedLoans["trainingSet"]>,
): DriftLoop & { close(): Promise<void> } {
  const loop = stack.onDrift({ deployment: MODEL, trainingSet, canaryWeight: 10 });
  let failed: Error | undefined;
  stack.events.on("drift.retrain.failed", (e) => {
    failed ??= e.error;
  });
  return {
    get retrains() {
      return loop.retrains;
    },
    async idle() {
      await loop.idle();
      if (failed) throw failed;
    },
    close: () => loop.close(),
  };
}
