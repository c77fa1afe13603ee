import { MlstackError } from "@mlstack/core";
import type { Checkpoint, JobTransition, MetricPoint, TrainingJob } from "../spec.js";
import type { TrainingStorage } from "./spec.js";

interface Entry {
  job: TrainingJob;
  transitions: JobTransition[];
  metrics: MetricPoint[];
  checkpoints: Checkpoint[];
}

/** The in-memory storage of the TrainingEngine. */
export class MemoryTrainingStorage implements TrainingStorage {
  readonly #jobs = new Map<string, Entry>();

  #entry(jobId: string): Entry {
    const entry = this.#jobs.get(jobId);
    if (!entry) throw new MlstackError("NOT_FOUND", `no training job ${jobId}`, { details: { jobId } });
    return entry;
  }

  async insertJob(job: TrainingJob, transition: JobTransition): Promise<void> {
    const jobId = job.ref.jobId;
    if (this.#jobs.has(jobId)) throw new MlstackError("ALREADY_EXISTS", `training job ${jobId} exists`);
    this.#jobs.set(jobId, { job, transitions: [transition], metrics: [], checkpoints: [] });
  }

  async updateJob(job: TrainingJob, transition?: JobTransition): Promise<void> {
    const entry = this.#entry(job.ref.jobId);
    entry.job = job;
    if (transition) entry.transitions.push(transition);
  }

  async getJob(jobId: string): Promise<TrainingJob | undefined> {
    return this.#jobs.get(jobId)?.job;
  }

  async listJobs(): Promise<TrainingJob[]> {
    return [...this.#jobs.values()].map((e) => e.job);
  }

  async listTransitions(jobId: string): Promise<JobTransition[]> {
    return [...this.#entry(jobId).transitions];
  }

  async appendMetric(jobId: string, point: MetricPoint): Promise<void> {
    this.#entry(jobId).metrics.push(point);
  }

  async listMetrics(jobId: string): Promise<MetricPoint[]> {
    return [...this.#entry(jobId).metrics];
  }

  async putCheckpoint(jobId: string, checkpoint: Checkpoint, keepFrom: number): Promise<void> {
    const entry = this.#entry(jobId);
    entry.checkpoints = [...entry.checkpoints, checkpoint].filter((c) => c.sequence >= keepFrom);
  }

  async listCheckpoints(jobId: string): Promise<Checkpoint[]> {
    return [...this.#entry(jobId).checkpoints];
  }
}
