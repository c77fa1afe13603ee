import type { Checkpoint, JobTransition, MetricPoint, TrainingJob } from "../spec.js";

/**
 * The storage SPI of the TrainingEngine: records only, no rules. The engine owns every rule (states,
 * retries, checkpoint retention); a persistent backend implements just these calls. Records are
 * immutable values: a backend stores what it is given and never edits it.
 */
export interface TrainingStorage {
  /** Adds a new job with its first transition, atomically; `ALREADY_EXISTS` for a known id. */
  insertJob(job: TrainingJob, transition: JobTransition): Promise<void>;
  /** Replaces a job's record, with the transition that led to it if any, atomically; `NOT_FOUND` for an unknown id. */
  updateJob(job: TrainingJob, transition?: JobTransition): Promise<void>;
  getJob(jobId: string): Promise<TrainingJob | undefined>;
  /** Every job, oldest first. */
  listJobs(): Promise<TrainingJob[]>;
  listTransitions(jobId: string): Promise<JobTransition[]>;
  appendMetric(jobId: string, point: MetricPoint): Promise<void>;
  listMetrics(jobId: string): Promise<MetricPoint[]>;
  /** Stores a checkpoint and deletes the job's checkpoints with a sequence below `keepFrom`, atomically. */
  putCheckpoint(jobId: string, checkpoint: Checkpoint, keepFrom: number): Promise<void>;
  /** The job's checkpoints, oldest first. */
  listCheckpoints(jobId: string): Promise<Checkpoint[]>;
}
