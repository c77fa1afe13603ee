// Stack composer: what composing costs over calling the bricks directly. Training with lineage, a
// principal's access checks, monitor logging with lineage, buildTrainingSet's snapshot and lineage, and
// validate(), each next to the same work on the raw bricks (or a bare core call) measured in the same run,
// in alternating rounds. Issue 9 sets no figure for these, so the rows carry no target.
import { performance } from "node:perf_hooks";
import { compareSchemas, createRandom, type DataFileRef, defineSchema, type Schema } from "@mlstack/core";
import type { FeatureStore } from "@mlstack/features";
import type { Monitor } from "@mlstack/monitor";
import type { DeploymentSpecInput, ModelInputs } from "@mlstack/serving";
import { createTestStack, type ModelContract, type TestStack } from "@mlstack/stack";
import type { LinearTrainerParams } from "@mlstack/training";
import { z } from "zod";
import type { BenchRow } from "./harness.js";
import { median } from "./harness.js";

/**
 * Runs `candidate` and `baseline` in alternating rounds after one warm-up each; each returns the
 * figure it measured (so set-up such as a fresh stack stays outside the timing). Medians of each.
 */
async function alternate(
  candidate: () => Promise<number>,
  baseline: () => Promise<number>,
  rounds: number,
): Promise<{ candidate: number; baseline: number }> {
  await candidate();
  await baseline();
  const c: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    c.push(await candidate());
    b.push(await baseline());
  }
  return { candidate: median(c), baseline: median(b) };
}

/** The brick a stack holds in a slot, without the stack's wiring (the owner's `entries()` hands it out). */
function rawBrick<T>(stack: TestStack, slot: "features" | "monitor"): T {
  const entry = stack.entries().find((e) => e.slot === slot && e.isDefault);
  if (!entry) throw new Error(`the stack has no ${slot} brick`);
  return entry.brick as T;
}

// ---- 1. Training with lineage -------------------------------------------------------------------

const LINEAR = { name: "mlstack.linear", version: "1" };
const trainRowSchema = z.object({ x: z.number(), z: z.number(), y: z.union([z.literal(0), z.literal(1)]) });
const trainRows = Array.from({ length: 80 }, (_, i) => {
  const x = ((i * 37) % 100) / 100;
  return { x, z: ((i * 53) % 100) / 100, y: x > 0.5 ? (1 as const) : (0 as const) };
});
const linearParams: LinearTrainerParams = {
  task: "binary-classification",
  features: ["x", "z"],
  label: "y",
  learningRate: 0.5,
  learningRateDecay: 0,
  epochs: 4,
  batchSize: 16,
  l2: 0,
  validationFraction: 0.25,
  patience: 10,
  standardize: true,
};

/** An 80-row JSON Lines table committed to the stack's DataEngine, as the jobs' data-file input. */
async function trainingTable(stack: TestStack): Promise<DataFileRef> {
  await stack.data.createRepo("tables");
  const { commit } = await stack.data.commitTable("tables", "main", "rows.jsonl", trainRowSchema, trainRows, {
    message: "rows",
  });
  return stack.data.fileRef("tables", commit.id, "rows.jsonl");
}

async function trainingWithLineage(): Promise<BenchRow> {
  const jobs = 200;
  // ms per job of the first and the last quarter of the jobs with lineage, by round.
  const firstQuarter: number[] = [];
  const lastQuarter: number[] = [];
  // ms per job over `jobs` sequential jobs on a fresh test stack (set-up untimed).
  const perJob = async (lineage: boolean): Promise<number> => {
    const stack = await createTestStack(lineage ? {} : { lineage: { enabled: false } });
    try {
      const input = await trainingTable(stack);
      await stack.flush();
      const spec = { trainer: LINEAR, params: linearParams, inputs: [input], seed: 7 };
      const t0 = performance.now();
      if (lineage) {
        const quarter = jobs / 4;
        let mark = t0;
        for (let i = 0; i < jobs; i++) {
          const { run } = await stack.train(spec);
          if (run.status !== "FINISHED") throw new Error(`run ${run.runId} is ${run.status}`);
          if (i + 1 === quarter) firstQuarter.push((performance.now() - t0) / quarter);
          if (i + 1 === jobs - quarter) mark = performance.now();
        }
        lastQuarter.push((performance.now() - mark) / quarter);
      } else {
        // Lineage off: stack.training is the raw brick (nothing listens to its transitions).
        const training = stack.training;
        for (let i = 0; i < jobs; i++) {
          const { ref } = await training.submit(spec);
          const job = await training.waitFor(ref.jobId);
          if (job.state !== "SUCCEEDED") throw new Error(`job ${ref.jobId} ${job.state}: ${job.reason}`);
        }
      }
      return (performance.now() - t0) / jobs;
    } finally {
      await stack.stop();
    }
  };
  const { candidate, baseline } = await alternate(
    () => perJob(true),
    () => perJob(false),
    5,
  );
  return {
    benchmark: `stack.train with lineage, ${jobs} small linear-trainer jobs in a row (80-row data file)`,
    value: candidate,
    unit: "ms/job",
    baseline: "training.submit + waitFor, lineage off (same memory bricks)",
    baselineValue: baseline,
    ratio: candidate / baseline,
    note: `overhead ${(candidate - baseline).toFixed(3)} ms/job: each job becomes a MetadataStore run (params, tags, per-epoch metric history, inputs, model artifact), each write validated, through the one lineage queue. Before writing, the recorder searches the experiment by tag for an earlier run of the job (restart safety): a scan of the experiment's runs in the memory MetadataStore (it reads the one tag, copying nothing), so it still grows with the runs (${median(firstQuarter).toFixed(2)} ms/job over the first ${jobs / 4} jobs, ${median(lastQuarter).toFixed(2)} over the last ${jobs / 4}); medians of 5 alternating rounds, fresh stacks`,
  };
}

// ---- 2. Access checks on predict -----------------------------------------------------------------

const signature = {
  inputs: [{ name: "x", datatype: "FP64" as const, shape: [-1, 4] }],
  outputs: [{ name: "y", datatype: "FP64" as const, shape: [-1, 4] }],
};
// The trivial model: doubles its input.
const trivial = (inputs: ModelInputs) => {
  const x = inputs.x as ModelInputs[string];
  const data = x.data as number[];
  const y = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) y[i] = (data[i] as number) * 2;
  return { y: { shape: [...x.shape], data: y } };
};
const trivialDeployment = (name: string): DeploymentSpecInput => ({
  name,
  runtime: "function",
  signature,
  model: { kind: "function", name: "trivial" },
});

async function accessChecks(): Promise<BenchRow> {
  const stack = await createTestStack({
    functions: { trivial },
    policy: { roles: { predictor: ["serving:predict", "serving:read"] } },
  });
  try {
    await stack.serving.deploy(trivialDeployment("bench"));
    const owner = stack.serving;
    const guarded = stack.as({ id: "inference-app", roles: ["predictor"] }).serving;
    const request = { inputs: [{ name: "x", datatype: "FP64", shape: [1, 4], data: [1, 2, 3, 4] }] };
    const n = 50_000;
    const loop = (serving: typeof owner) => async () => {
      for (let i = 0; i < n; i++) await serving.predict("bench", request);
    };
    const viaView = loop(guarded);
    const unchecked = loop(owner);
    const first = await guarded.predict("bench", request);
    if ((first.outputs[0]?.data as number[] | undefined)?.[3] !== 8) throw new Error("wrong prediction");
    // CPU time (user + system) rather than wall time: on a shared machine, time spent descheduled is not ours.
    const cpuPerCall = async (fn: () => Promise<void>) => {
      const c0 = process.cpuUsage();
      await fn();
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / n;
    };
    const { candidate, baseline } = await alternate(
      () => cpuPerCall(viaView),
      () => cpuPerCall(unchecked),
      7,
    );
    return {
      benchmark: "serving.predict through a principal's view, trivial function model, sequential",
      value: candidate,
      unit: "CPU µs/call",
      baseline: "the owner's unchecked stack.serving",
      baselineValue: baseline,
      ratio: candidate / baseline,
      note: `overhead ${(candidate - baseline).toFixed(2)} µs/call: a Proxy get, the method's resource rule, a role × grant scan and an \`access\` event per call (no audit); medians of 7 alternating rounds of ${n.toLocaleString("en-US")} calls`,
    };
  } finally {
    await stack.stop();
  }
}

// ---- 3. Monitor logging with lineage -------------------------------------------------------------

async function monitorLogging(): Promise<BenchRow> {
  const fields = Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, type: "float64" as const }));
  const random = createRandom(4);
  const batches = Array.from({ length: 20 }, () =>
    Array.from({ length: 1000 }, () => ({
      features: Object.fromEntries(fields.map((f) => [f.name, random.normal()])),
    })),
  );
  const deployment = { kind: "deployment", name: "bench" } as const;
  let windows = 0;
  // Seconds for the batches on a fresh stack whose deployment is served (so its revision is found).
  const seconds = async (wired: boolean): Promise<number> => {
    const stack = await createTestStack({ functions: { trivial } });
    try {
      await stack.serving.deploy(trivialDeployment("bench"));
      await stack.monitor.registerDeployment({ deployment, schema: { fields } });
      await stack.flush();
      const monitor = wired ? stack.monitor : rawBrick<Monitor>(stack, "monitor");
      let recorded = 0;
      stack.events.on("lineage.recorded", (event) => {
        if (event.type === "monitor.log") recorded++;
      });
      let accepted = 0;
      const t0 = performance.now();
      for (const batch of batches) accepted += (await monitor.log(deployment, batch)).accepted;
      // The window's lineage is queued, not awaited by log: the figure includes writing it.
      await stack.flush();
      const elapsed = (performance.now() - t0) / 1000;
      if (accepted !== 20 * 1000) throw new Error(`accepted ${accepted} rows`);
      if (wired) {
        if (recorded === 0) throw new Error("no monitor window recorded in lineage");
        windows = recorded;
      }
      return elapsed;
    } finally {
      await stack.stop();
    }
  };
  const { candidate, baseline } = await alternate(
    () => seconds(true),
    () => seconds(false),
    7,
  );
  const values = 20 * 1000 * fields.length;
  return {
    benchmark: "stack.monitor.log with lineage (10 float64 columns, 1000-row batches)",
    value: values / candidate,
    unit: "values/s",
    baseline: "the raw monitor brick of the same kind of stack",
    baselineValue: values / baseline,
    ratio: baseline / candidate,
    note: `20 batches per round, ${windows} window record(s) written, on the stack's manual clock, lineage flushed inside the timing; per log call the wiring reads the deployment's serving revision and queues the window's record (written once per window and revision); medians of 7 alternating rounds`,
  };
}

// ---- 4. buildTrainingSet -------------------------------------------------------------------------

const DAY = 86_400_000;
const FEATURES = ["f0", "f1", "f2", "f3", "f4"];

async function buildTrainingSetRow(): Promise<BenchRow> {
  const viewRows = 1_000_000;
  const entities = 10_000;
  const queries = 100_000;
  const stack = await createTestStack();
  try {
    const features = rawBrick<FeatureStore>(stack, "features");
    await features.apply({
      entities: [{ name: "user", joinKeys: [{ name: "user_id", type: "int64" }] }],
      featureViews: [
        {
          name: "stats",
          entities: ["user"],
          schema: { fields: FEATURES.map((name) => ({ name, type: "float64" as const })) },
        },
      ],
    });
    const random = createRandom(3);
    const chunk = 250_000;
    for (let start = 0; start < viewRows; start += chunk) {
      const records = new Array(chunk);
      for (let i = 0; i < chunk; i++) {
        const user = (start + i) % entities;
        const time = Math.floor(random.next() * 100 * DAY);
        records[i] = { user_id: user, event_timestamp: time, f0: i, f1: time / 7, f2: user / 3, f3: 1.5, f4: -i };
      }
      await features.ingest("stats", records);
    }
    const queryRandom = createRandom(4);
    const base = Array.from({ length: queries }, (_, i) => ({
      user_id: Math.floor(queryRandom.next() * entities),
      event_timestamp: Math.floor(queryRandom.next() * 100 * DAY),
      label: i & 1,
    }));
    const selected = FEATURES.map((f) => `stats:${f}`);
    // Each round asks at slightly later times, so each build is a new set with a new snapshot to commit
    // (a set built twice finds its earlier snapshot instead).
    let round = 0;
    const request = () => {
      round++;
      return {
        entityRows: base.map((r) => ({ ...r, event_timestamp: r.event_timestamp + round })),
        features: selected,
      };
    };
    let snapshotRows = 0;
    let current = request();
    const { candidate, baseline } = await alternate(
      async () => {
        current = request();
        const t0 = performance.now();
        const set = await stack.buildTrainingSet(current);
        const ms = performance.now() - t0;
        if (set.rows.length !== queries || set.snapshot === undefined) throw new Error("no snapshot");
        snapshotRows = set.rows.length;
        return ms;
      },
      async () => {
        // The same request as the build just before it.
        const t0 = performance.now();
        const set = await features.getHistoricalFeatures(current);
        const ms = performance.now() - t0;
        if (set.rows.length !== queries) throw new Error("wrong row count");
        return ms;
      },
      5,
    );
    await stack.flush();
    return {
      benchmark: `buildTrainingSet, ${queries.toLocaleString("en-US")} entity rows × 5 features (view of ${viewRows.toLocaleString("en-US")} rows)`,
      value: candidate,
      unit: "ms",
      baseline: "getHistoricalFeatures alone on the raw memory FeatureStore",
      baselineValue: baseline,
      ratio: candidate / baseline,
      note: `overhead ${(candidate - baseline).toFixed(0)} ms: the ${snapshotRows.toLocaleString("en-US")} rows written as JSON Lines (plain JSON.stringify; a replacer only for rows with a bigint), then chunked and SHA-256 hashed into the memory DataEngine; the two lineage executions are negligible; medians of 5 alternating rounds`,
    };
  } finally {
    await stack.stop();
  }
}

// ---- 5. validate() -------------------------------------------------------------------------------

const FEATURE_SCHEMA = defineSchema([
  { name: "income", type: "float64" },
  { name: "credit_score", type: "float64" },
  { name: "age", type: "int32" },
]);
const INPUT_SCHEMA = defineSchema([
  { name: "income", type: "float64" },
  { name: "credit_score", type: "float64" },
  { name: "age", type: "float64" },
]);
const OUTPUT_SCHEMA = defineSchema([{ name: "probability", type: "float64" }]);

/** A contract whose every stage fits: features → trainer → signature → packed FP64 tensors → monitor. */
const LOAN: ModelContract = {
  name: "loan",
  features: {
    features: ["applicant:income", "applicant:credit_score", "applicant:age"],
    schema: FEATURE_SCHEMA,
  },
  trainer: { name: "mlstack.linear", version: "1", inputs: INPUT_SCHEMA, label: "defaulted" },
  signature: { inputs: INPUT_SCHEMA, outputs: OUTPUT_SCHEMA },
  deployment: {
    runtime: "linear",
    signature: {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 3] }],
      outputs: [{ name: "probability", datatype: "FP64", shape: [-1] }],
    },
  },
  monitor: { schema: FEATURE_SCHEMA },
};

async function validateRow(): Promise<BenchRow> {
  const stack = await createTestStack({ models: [LOAN] });
  try {
    const report = stack.validate();
    if (!report.ok) throw new Error(`the bench stack does not validate: ${JSON.stringify(report.findings)}`);
    let sink = 0;
    const perCall = 100;
    const samples = 301;
    // µs per call of a batch of calls (one call is below the timer's resolution).
    const sample = (fn: () => number) => async () => {
      const t0 = performance.now();
      for (let i = 0; i < perCall; i++) sink += fn();
      return ((performance.now() - t0) * 1000) / perCall;
    };
    const validate = sample(() => stack.validate().findings.length + 1);
    const compare = sample(() => compareSchemas(FEATURE_SCHEMA as Schema, INPUT_SCHEMA as Schema).issues.length + 1);
    for (let i = 0; i < 20; i++) {
      await validate();
      await compare();
    }
    const { candidate, baseline } = await alternate(validate, compare, samples);
    if (sink === 0) throw new Error("unreachable");
    return {
      benchmark: "validate() of a six-brick test stack with one model contract",
      value: candidate,
      unit: "µs/call",
      baseline: "one compareSchemas call (features → trainer inputs of the same contract)",
      baselineValue: baseline,
      ratio: candidate / baseline,
      note: `median of ${samples} alternating samples of ${perCall} calls; validate checks spec versions and every brick's requirements, then the contract (its feature selection, label, tensor layout and up to 5 schema comparisons): a one-off check at composition, so the microseconds do not matter`,
    };
  } finally {
    await stack.stop();
  }
}

export default async function stackBench(): Promise<BenchRow[]> {
  // Microsecond figures first, before the large heaps of the training-set row.
  const validate = await validateRow();
  const access = await accessChecks();
  const training = await trainingWithLineage();
  const monitor = await monitorLogging();
  const trainingSet = await buildTrainingSetRow();
  return [training, access, monitor, trainingSet, validate];
}
