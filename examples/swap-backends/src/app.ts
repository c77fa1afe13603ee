// The application: the same code on every backend. It knows the Stack interface only; which brick sits
// behind each slot is the configuration's business (see open-stack.ts).
import { MlstackError, type ModelVersionRef } from "@mlstack/core";
import type { Stack } from "@mlstack/stack";
import { type Customer, customerSchema, generateCustomers } from "./customers.js";
import { DEPLOYMENT, FEATURES, LABEL, MODEL, REPO, TABLE, VIEW } from "./model.js";

/** Options of {@link runApp}. */
export interface AppOptions {
  /** How many customers to generate; default 300. */
  readonly customers?: number;
  /** Seed of the data and of the trainer; default 42. */
  readonly seed?: number;
  /** How many customers to score online at the end; default 5. */
  readonly score?: number;
  /** Progress lines; default none. */
  readonly log?: (line: string) => void;
}

/** What one run of the application did. */
export interface AppSummary {
  /** The stack's name. */
  readonly stack: string;
  /** The implementation behind each slot (`memory`, `sqlite`, `postgres`, ...). */
  readonly bricks: Readonly<Record<string, string>>;
  /** The data commit holding the customer table. */
  readonly dataCommit: string;
  /** Rows committed, and rows of the point-in-time training set built from them. */
  readonly rows: { readonly committed: number; readonly trainingSet: number };
  /** The registered model version, aliased `production`. */
  readonly model: ModelVersionRef;
  /** The trainer's validation metrics. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Customers scored from their online features, with the served churn probability. */
  readonly predictions: readonly { readonly customer_id: number; readonly probability: number }[];
  /** The deployment's lineage back to the data commit, one line per hop. */
  readonly lineage: string;
}

/**
 * Runs the loop on `stack` (started, and fresh: the repo and model must not exist yet): checks the
 * composition, commits a customer table, defines and ingests its features, builds a point-in-time
 * training set, trains the reference linear model with a fixed seed, registers it, deploys it with its
 * Monitor reference, scores customers from their online features, logs the traffic to the Monitor and
 * explains the deployment's lineage.
 */
export async function runApp(stack: Stack, options: AppOptions = {}): Promise<AppSummary> {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 42;

  const report = stack.validate();
  if (!report.ok) {
    const errors = report.findings.filter((f) => f.severity === "error");
    throw new MlstackError(
      "FAILED_PRECONDITION",
      `the stack does not fit: ${errors.map((f) => f.message).join("; ")}`,
      {
        details: { findings: errors },
      },
    );
  }
  const bricks = Object.fromEntries(stack.entries().map((e) => [e.path, e.brick.name]));
  log(
    `stack ${stack.name}: ${Object.entries(bricks)
      .map(([slot, name]) => `${slot}=${name}`)
      .join(" ")}`,
  );

  // DataEngine: version the raw table; it is validated row by row on the way in.
  const customers = generateCustomers(options.customers ?? 300, seed);
  await stack.data.createRepo(REPO, { description: "customer snapshots" });
  const { commit, rows: committed } = await stack.data.commitTable(REPO, "main", TABLE, customerSchema, customers, {
    message: "customer snapshots",
  });
  log(`data      committed ${committed} rows as ${REPO}@${commit.id.slice(0, 12)}`);

  // FeatureStore: a view whose source is that commit, fed from the rows read back from it.
  await stack.features.apply({
    entities: [{ name: "customer", joinKeys: [{ name: "customer_id", type: "int64" }] }],
    featureViews: [
      {
        name: VIEW,
        entities: ["customer"],
        schema: { fields: FEATURES.map((name) => ({ name, type: "float64" as const })) },
        source: { dataRef: commit.ref },
        online: true,
      },
    ],
  });
  const stored: Customer[] = [];
  for await (const row of stack.data.readTable(REPO, commit.id, TABLE, customerSchema)) stored.push(row);
  await stack.features.ingest(
    VIEW,
    stored.map((c) => ({
      customer_id: c.customer_id,
      event_timestamp: c.profile_time,
      ...Object.fromEntries(FEATURES.map((f) => [f, c[f]])),
    })),
  );
  const trainingSet = await stack.buildTrainingSet({
    entityRows: stored.map((c) => ({ customer_id: c.customer_id, event_timestamp: c.observed_at, [LABEL]: c.churned })),
    features: FEATURES.map((f) => `${VIEW}:${f}`),
  });
  log(`features  training set ${trainingSet.ref.id} with ${trainingSet.rows.length} rows`);

  // TrainingEngine → MetadataStore: one job, recorded as a run, registered as the next version.
  const trained = await stack.train({
    trainer: { name: "mlstack.linear", version: "1" },
    params: { task: "binary-classification", features: [...FEATURES], label: LABEL, epochs: 40, batchSize: 64 },
    inputs: [trainingSet.ref],
    seed,
  });
  const metrics = trained.job.result?.metrics ?? {};
  log(`training  job ${trained.job.ref.jobId} (run ${trained.run.runId}): auc=${metrics.auc?.toFixed(4)}`);
  const version = await stack.registerModel({ job: trained.job.ref, model: MODEL, alias: "production" });
  const model: ModelVersionRef = { kind: "model-version", model: MODEL, version: version.version };
  log(`registry  ${MODEL} version ${version.version} (alias production)`);

  // ServingEngine + Monitor: deploy with the training set as the Monitor's reference.
  await stack.deploy({
    model,
    monitor: { reference: { rows: trainingSet.rows, trainingSet: trainingSet.ref }, task: "classification" },
  });
  log(`serving   deployed ${DEPLOYMENT.name}`);

  // Score the newest customers from their online features, and log the traffic.
  const end = Math.max(...stored.map((c) => c.profile_time));
  await stack.features.materialize({ views: [VIEW], start: 0, end });
  const scored = stored.slice(-(options.score ?? 5));
  const online = await stack.features.getOnlineFeatures({
    entityRows: scored.map((c) => ({ customer_id: c.customer_id })),
    features: FEATURES.map((f) => `${VIEW}:${f}`),
  });
  const matrix = (online.rows ?? []).map((row) => online.featureNames.map((name) => Number(row.values[name])));
  const response = await stack.serving.predict(DEPLOYMENT.name, {
    inputs: [{ name: "features", datatype: "FP64", shape: [matrix.length, FEATURES.length], data: matrix.flat() }],
  });
  const probabilities = (response.outputs.find((o) => o.name === "probability")?.data ?? []) as number[];
  if (probabilities.length !== scored.length) {
    throw new MlstackError(
      "INTERNAL",
      `the deployment answered ${probabilities.length} scores for ${scored.length} rows`,
    );
  }
  await stack.monitor.log(
    DEPLOYMENT,
    matrix.map((row, i) => ({
      features: Object.fromEntries(FEATURES.map((f, j) => [f, row[j]])),
      score: probabilities[i] ?? Number.NaN,
      prediction: (probabilities[i] ?? 0) >= 0.5 ? 1 : 0,
      requestId: `${response.id}/${i}`,
      timestamp: end,
    })),
  );
  const predictions = scored.map((c, i) => ({
    customer_id: c.customer_id,
    probability: probabilities[i] ?? Number.NaN,
  }));
  for (const p of predictions)
    log(`predict   customer ${p.customer_id}: churn probability ${p.probability.toFixed(4)}`);

  // The thread from the served model back to the data commit.
  const explanation = await stack.explain(DEPLOYMENT);
  log("lineage");
  for (const line of explanation.text.split("\n")) log(`  ${line}`);

  return {
    stack: stack.name,
    bricks,
    dataCommit: commit.id,
    rows: { committed, trainingSet: trainingSet.rows.length },
    model,
    metrics,
    predictions,
    lineage: explanation.text,
  };
}
