import { type DataCommitRef, isMlstackError, MlstackError, type Ref, refKey, type TrainingJobRef } from "@mlstack/core";
import type { CommitEvent, DataEngine } from "@mlstack/data";
import { type LineageProperties, type MetadataStore, type Run, runExecutionId } from "@mlstack/metadata";
import type { DeploymentEvent, DeploymentStatus, ServingEngine } from "@mlstack/serving";
import { type JobTransition, TERMINAL_STATES, type TrainingEngine, type TrainingJob } from "@mlstack/training";
import type { SlotEntry } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { findJobRun } from "./find-job-run.js";
import { type ExecutionRecord, putLineageOnce } from "./put-lineage-once.js";
import { EXPERIMENT_LABEL, PARENT_RUN_LABEL, recordTrainingJob } from "./record-training-job.js";

/**
 * Records what the bricks of a stack produce in its MetadataStore: data commits with their provenance,
 * terminal training jobs as runs, deployments with the model versions they serve; and, through the
 * wired bricks, training sets and monitor windows. Writes run one at a time in call order (so an
 * experiment is never created twice), asynchronously but tracked: {@link LineageRecorder.idle}
 * resolves once everything pending is written. A failed write emits `lineage.error` on the stack's
 * events and never fails the brick call that caused it.
 */
export class LineageRecorder {
  readonly #core: StackCore;
  readonly #metadata: MetadataStore;
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly #experiments = new Map<string, string>();
  readonly #runs = new Map<string, Run>();

  constructor(core: StackCore) {
    this.#core = core;
    this.#metadata = core.entry("metadata").brick;
    for (const entry of core.entries()) {
      if (entry.slot === "data") this.#watchData(entry as SlotEntry<"data">);
      else if (entry.slot === "training") this.#watchTraining(entry as SlotEntry<"training">);
      else if (entry.slot === "serving") this.#watchServing(entry as SlotEntry<"serving">);
    }
  }

  /** The MetadataStore lineage is written to (the default of the `metadata` slot). */
  get metadata(): MetadataStore {
    return this.#metadata;
  }

  /** Resolves once every write queued so far (and any queued meanwhile) is done. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }

  /**
   * Queues a write after the others; resolves with its result once written. It rejects when the write
   * fails (after emitting `lineage.error`): a workflow that needs the result decides what that means.
   */
  run<T>(what: string, task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task);
    this.#tail = result.then(
      () => {
        this.#pending--;
      },
      (error: unknown) => {
        this.#pending--;
        // A throwing listener must not break the queue for the writes after this one.
        try {
          this.#core.events.emit("lineage.error", { what, error: asError(error) });
        } catch {}
      },
    );
    return result;
  }

  /** Queues a write whose failure is only reported (`lineage.error`): what brick listeners use. */
  record(what: string, task: () => Promise<void>): Promise<void> {
    return this.run(what, task).catch(() => undefined);
  }

  /** Writes an execution with its inputs and outputs (idempotent); call inside a queued task. */
  async putExecution(record: ExecutionRecord): Promise<void> {
    await putLineageOnce(this.#metadata, record);
    this.#core.events.emit("lineage.recorded", { execution: record.id, type: record.type });
  }

  /** Upserts artifact nodes with properties; call inside a queued task. */
  async putArtifacts(artifacts: ReadonlyArray<{ ref: Ref; properties: LineageProperties }>): Promise<void> {
    if (artifacts.length === 0) return;
    await this.#metadata.putLineage({
      artifacts: artifacts.map((a) => ({ ref: a.ref, properties: { ...a.properties } })),
    });
  }

  /** The id of the experiment named `name`, created when missing; call inside a queued task. */
  async experimentId(name: string): Promise<string> {
    const known = this.#experiments.get(name);
    if (known !== undefined) return known;
    let id: string;
    try {
      id = (await this.#metadata.getExperimentByName(name)).experimentId;
    } catch (error) {
      if (!isMlstackError(error, "NOT_FOUND")) throw error;
      try {
        id = (await this.#metadata.createExperiment({ name, tags: { "mlstack.stack": this.#core.name } })).experimentId;
      } catch (created) {
        // Another process (or stack) created it meanwhile.
        if (!isMlstackError(created, "ALREADY_EXISTS")) throw created;
        id = (await this.#metadata.getExperimentByName(name)).experimentId;
      }
    }
    this.#experiments.set(name, id);
    return id;
  }

  /** The experiment a job's run goes to: its `mlstack.experiment` label, the stack's lineage experiment, or the stack's name. */
  experimentOf(job: Pick<TrainingJob, "spec">): string {
    return job.spec.labels[EXPERIMENT_LABEL] ?? this.#core.options.lineage?.experiment ?? this.#core.name;
  }

  /**
   * The run recording a job: from this recorder's memory, else searched by its tag (so it works after
   * a restart); undefined when there is none. Waits for pending writes first.
   */
  async findRun(job: TrainingJobRef, experiment?: string): Promise<Run | undefined> {
    await this.idle();
    const known = this.#runs.get(job.jobId);
    if (known) return known;
    return findJobRun(this.#metadata, job.jobId, experiment === undefined ? [] : [experiment]);
  }

  /** Records a terminal job, unless its run exists (queued; resolves with the run). */
  recordJob(job: TrainingJob | Promise<TrainingJob>, brickPath: string, what = "training job"): Promise<Run> {
    // A read that fails before the queue reaches it is reported there, not as an unhandled rejection.
    if (job instanceof Promise) job.catch(() => undefined);
    return this.run(what, async () => this.#recordJob(await job, brickPath));
  }

  async #recordJob(job: TrainingJob, brickPath: string): Promise<Run> {
    const known = this.#runs.get(job.ref.jobId);
    if (known) return known;
    const experimentName = this.experimentOf(job);
    const experimentId = await this.experimentId(experimentName);
    // A run recorded before a restart is not recorded twice.
    const existing = await findJobRun(this.#metadata, job.ref.jobId, [experimentName], { onlyNamed: true });
    if (existing) {
      this.#runs.set(job.ref.jobId, existing);
      return existing;
    }
    const training = this.#core.entries().find((e) => e.slot === "training" && e.path === brickPath)?.brick as
      | TrainingEngine
      | undefined;
    const history = training ? await training.metrics(job.ref.jobId) : [];
    const parentRunId = job.spec.labels[PARENT_RUN_LABEL];
    const run = await recordTrainingJob(
      job,
      {
        metadata: this.#metadata,
        experimentId,
        history,
        artifacts: this.#core.options.artifacts,
        brickPath,
        now: this.#core.clock.now(),
      },
      parentRunId === undefined ? {} : { parentRunId },
    );
    this.#runs.set(job.ref.jobId, run);
    this.#core.events.emit("lineage.recorded", { execution: runExecutionId(run.runId), type: "run" });
    return run;
  }

  #watchData(entry: SlotEntry<"data">): void {
    const data: DataEngine = entry.brick;
    data.on("commit", (event: CommitEvent) => {
      void this.record(`data commit ${event.repo}@${event.commit.id}`, () => this.#recordCommit(event));
    });
  }

  async #recordCommit(event: CommitEvent): Promise<void> {
    const { commit } = event;
    const properties: LineageProperties = {
      repo: commit.repo,
      branch: event.branch,
      message: commit.message,
      author: commit.author,
      origin: commit.origin,
      time: commit.time,
    };
    if (commit.provenance.length === 0) {
      await this.putArtifacts([{ ref: commit.ref, properties }]);
      return;
    }
    const type = commit.origin === "pipeline" ? "data.pipeline" : "data.commit";
    await this.putExecution({
      id: `${type}:${refKey(commit.ref)}`,
      type,
      name: `${commit.repo}@${commit.id.slice(0, 12)}`,
      properties: { message: commit.message, author: commit.author, time: commit.time },
      inputs: commit.provenance as DataCommitRef[],
      outputs: [commit.ref],
      artifactProperties: new Map([[refKey(commit.ref), properties]]),
    });
  }

  #watchTraining(entry: SlotEntry<"training">): void {
    const training: TrainingEngine = entry.brick;
    training.on("transition", (transition: JobTransition) => {
      if (!TERMINAL_STATES.has(transition.to)) return;
      // Queued at once, so a caller woken by `waitFor` finds the write pending in `idle()`.
      const jobId = transition.job.jobId;
      void this.recordJob(training.getJob(jobId), entry.path, `training job ${jobId}`).catch(() => undefined);
    });
  }

  #watchServing(entry: SlotEntry<"serving">): void {
    const serving: ServingEngine = entry.brick;
    serving.on("deployment", (event: DeploymentEvent) => {
      if (event.type !== "deployed" && event.type !== "updated" && event.type !== "rolled-back") return;
      // Read the status now: by the time the queue reaches this write, the deployment may have moved on.
      const status = serving.status(event.ref.name);
      status.catch(() => undefined);
      void this.record(`deployment ${refKey(event.ref)}`, async () =>
        this.#recordDeployment(event, await status, entry.path),
      );
    });
  }

  async #recordDeployment(event: DeploymentEvent, status: DeploymentStatus, brickPath: string): Promise<void> {
    const revision = event.ref.revision ?? status.revision;
    if (status.revision !== revision) {
      throw new MlstackError(
        "CONFLICT",
        `deployment ${event.ref.name} moved to revision ${status.revision} before revision ${revision} was recorded`,
        { details: { name: event.ref.name, revision, serving: status.revision } },
      );
    }
    const versions = [...status.traffic, ...(status.shadow ? [status.shadow] : [])];
    const inputs: Ref[] = [];
    for (const v of versions) if (v.model.kind !== "function") inputs.push(v.model);
    const at: Ref = { kind: "deployment", name: status.name, revision };
    const properties: LineageProperties = {
      runtime: status.runtime,
      revision,
      traffic: versions.map((v) => `${v.version}:${v.shadow ? "shadow" : v.weight}`).join(","),
      event: event.type,
      at: event.at,
      serving: brickPath,
    };
    await this.putExecution({
      id: `serving.deploy:${refKey(at)}`,
      type: "serving.deploy",
      name: `${event.type} ${status.name}@${revision}`,
      properties,
      inputs,
      outputs: [at, { kind: "deployment", name: status.name }],
      artifactProperties: new Map([[refKey(at), { runtime: status.runtime, revision }]]),
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
