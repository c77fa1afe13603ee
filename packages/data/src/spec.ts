import type { Brick, DataCommitRef, DataFileRef, HealthStatus, ProgressEvent, TypedEmitter } from "@mlstack/core";
import type { z } from "zod";
import type { ChunkingOptions } from "./engine/chunker.js";

/** JSON-compatible metadata attached to a file or a commit. */
export type Metadata = Readonly<Record<string, unknown>>;

/** Bytes to write: a buffer, a string (UTF-8), or a stream of blocks (read once, never buffered whole). */
export type FileData = Uint8Array | string | AsyncIterable<Uint8Array>;

/** What the DataEngine supports; frozen, readable without I/O. */
export interface DataCapabilities {
  /** Three-way merge of branches. */
  readonly merge: boolean;
  /** Tables of validated records (JSON Lines). */
  readonly tables: boolean;
  /** Committing a local folder with a stat cache. */
  readonly localDirectories: boolean;
  /** Pipelines with provenance and incremental datums. */
  readonly pipelines: boolean;
  /** Garbage collection and fsck. */
  readonly maintenance: boolean;
  /** Data survives the process (and is shared by processes using the same storage). */
  readonly persistent: boolean;
  readonly [name: string]: boolean;
}

/** A repository. */
export interface RepoInfo {
  readonly name: string;
  readonly description: string;
  readonly chunking: ChunkingOptions;
  /** The first commit, made when the repo was created (an empty tree on `main`). */
  readonly rootCommit: string;
}

/** Who made a commit: a person's work or a pipeline run. */
export type CommitOrigin = "user" | "pipeline";

/** An immutable commit. */
export interface CommitInfo {
  /** The commit id: hex SHA-256 of the commit object (tree root, parents, metadata). */
  readonly id: string;
  readonly repo: string;
  /** The Merkle root of the tree: equal trees have equal roots. */
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: string;
  readonly message: string;
  /** Epoch milliseconds from the engine's clock. */
  readonly time: number;
  readonly origin: CommitOrigin;
  /** The commits this one was derived from (pipeline inputs, imports). */
  readonly provenance: readonly DataCommitRef[];
  readonly metadata: Metadata;
  /** This commit as a lineage ref. */
  readonly ref: DataCommitRef;
}

/** A file in a commit. */
export interface FileInfo {
  /** Normalized path, `/`-separated, no leading slash. */
  readonly path: string;
  /** `sha256:<hex>` of the file's bytes. */
  readonly digest: string;
  readonly size: number;
  readonly metadata?: Metadata;
}

/** A branch and its head commit. */
export interface BranchInfo {
  readonly name: string;
  readonly head: string;
}

/** One changed path between two commits. */
export interface DiffEntry {
  readonly path: string;
  readonly change: "added" | "modified" | "deleted";
  /** The file in the older commit (absent when added). */
  readonly before?: FileInfo;
  /** The file in the newer commit (absent when deleted). */
  readonly after?: FileInfo;
}

/** Options of a file write inside a commit. */
export interface PutOptions {
  readonly metadata?: Metadata;
}

/** The write side of an open commit. Paths are relative, `/`-separated; `..` and empty segments are refused. */
export interface CommitTransaction {
  /** Writes a file (replacing any file at that path). */
  put(path: string, data: FileData, options?: PutOptions): Promise<FileInfo>;
  /** Deletes a file, or a whole directory; `NOT_FOUND` when nothing is there. */
  delete(path: string): Promise<void>;
  /** Copies a file or directory as it is in this transaction (no bytes are copied). */
  copy(from: string, to: string): Promise<void>;
  /** The file at a path as this transaction sees it, or undefined. */
  stat(path: string): Promise<FileInfo | undefined>;
}

/** Options of {@link DataEngine.commit}. */
export interface CommitOptions {
  readonly message: string;
  /** Defaults to the engine's author. */
  readonly author?: string;
  /** The head the caller expects; when the branch has moved, the commit is `CONFLICT`. */
  readonly expectedHead?: string;
  /** Allow a commit that changes nothing; otherwise that is `FAILED_PRECONDITION`. */
  readonly allowEmpty?: boolean;
  readonly metadata?: Metadata;
  /** The commits this one derives from. */
  readonly provenance?: readonly DataCommitRef[];
  readonly signal?: AbortSignal;
}

/** Options of listing files. */
export interface ListOptions {
  /** Only paths under this directory (or equal to this file path). */
  readonly prefix?: string;
  /** Only paths matching this glob: `*` and `?` within a segment, `**` any number of segments. */
  readonly glob?: string;
}

/** Merge strategies: `fail` reports conflicts, the others resolve every conflict to one side. */
export type MergeStrategy = "fail" | "source-wins" | "dest-wins";

/** Options of {@link DataEngine.merge}. */
export interface MergeOptions {
  readonly strategy?: MergeStrategy;
  readonly message?: string;
  readonly author?: string;
  readonly metadata?: Metadata;
}

/** The outcome of a merge. */
export interface MergeResult {
  /** The destination branch head after the merge. */
  readonly commit: CommitInfo;
  /** `merged`: a merge commit; `fast-forward`: dest moved to source; `up-to-date`: nothing to do. */
  readonly kind: "merged" | "fast-forward" | "up-to-date";
  /** Paths that conflicted and were resolved by the strategy. */
  readonly resolved: readonly string[];
}

/** Options of {@link DataEngine.commitTable}. */
export interface CommitTableOptions extends Omit<CommitOptions, "signal"> {
  /** Write invalid rows (with their errors) to this path in the same commit instead of failing. */
  readonly quarantine?: string;
  readonly signal?: AbortSignal;
}

/** The outcome of committing a table. */
export interface TableCommitResult {
  readonly commit: CommitInfo;
  readonly rows: number;
  readonly quarantined: number;
}

/** Options of {@link DataEngine.addDirectory}. */
export interface AddDirectoryOptions {
  readonly message?: string;
  readonly author?: string;
  /** Where the folder goes in the repo; default the root. The subtree is made equal to the folder. */
  readonly prefix?: string;
  readonly expectedHead?: string;
  readonly allowEmpty?: boolean;
  readonly signal?: AbortSignal;
}

/** The outcome of {@link DataEngine.addDirectory}. */
export interface AddDirectoryResult {
  readonly commit: CommitInfo;
  readonly files: number;
  /** Files whose bytes were read and hashed. */
  readonly hashed: number;
  /** Files taken from the stat cache without reading. */
  readonly reused: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
}

/** One unit of pipeline work: the files under one glob match. */
export interface Datum {
  /** The glob match: `/` for the whole tree, else a file or directory path. */
  readonly key: string;
  readonly files: readonly FileInfo[];
  /** The input commit. */
  readonly input: DataCommitRef;
  /** Reads an input file of this datum. */
  read(path: string): AsyncIterable<Uint8Array>;
  /** Reads an input file of this datum whole. */
  readBytes(path: string): Promise<Uint8Array>;
}

/** One output file of a transform. */
export interface OutputFile {
  readonly path: string;
  readonly data: FileData;
  readonly metadata?: Metadata;
}

/** A pipeline: inputs, a transform, an output branch and a fingerprint of the code and params. */
export interface PipelineDefinition {
  /** Unique per engine; names the pipeline's state. */
  readonly name: string;
  readonly input: { readonly repo: string; readonly branch: string; readonly glob: string };
  readonly output: { readonly repo: string; readonly branch: string };
  /** What the transform is: a change reruns every datum. */
  readonly fingerprint: { readonly code: string; readonly params?: unknown };
  readonly transform: (
    datum: Datum,
    context: { readonly signal?: AbortSignal; readonly attempt: number },
  ) => Promise<readonly OutputFile[]> | readonly OutputFile[];
  /** Tries per datum before the run fails; default 3. */
  readonly datumTries?: number;
}

/** Why a datum runs or not. */
export type DatumReason = "new" | "input-changed" | "fingerprint-changed" | "unchanged" | "removed";

/** The plan for one datum. */
export interface DatumPlan {
  readonly key: string;
  readonly action: "run" | "skip" | "delete";
  readonly reason: DatumReason;
}

/** The plan of a pipeline run, from {@link DataEngine.explain}. */
export interface PipelinePlan {
  readonly pipeline: string;
  readonly input: DataCommitRef;
  readonly fingerprint: string;
  readonly datums: readonly DatumPlan[];
}

/** The outcome of a pipeline run. */
export interface PipelineRunResult extends PipelinePlan {
  /** The output commit, or undefined when nothing changed. */
  readonly commit: CommitInfo | undefined;
  readonly processed: number;
  readonly skipped: number;
  readonly deleted: number;
}

/** A subscription of a pipeline to its input branch. */
export interface PipelineSubscription {
  /** Stops listening and waits for a run in progress. */
  close(): Promise<void>;
}

/** Options of {@link DataEngine.subscribe}. */
export interface SubscribeOptions {
  /** Called after every run. */
  readonly onRun?: (result: PipelineRunResult) => void;
  /** Called when a run fails; the subscription stays open. */
  readonly onError?: (error: Error) => void;
}

/** A commit notification. */
export interface CommitEvent {
  readonly repo: string;
  readonly branch: string;
  readonly commit: CommitInfo;
}

/** Events of the DataEngine. */
export interface DataEngineEvents {
  progress: (event: ProgressEvent) => void;
  /** A branch moved to a new commit made by this engine (commit, merge, pipeline run). */
  commit: (event: CommitEvent) => void;
}

/** A problem found by {@link DataEngine.fsck}. */
export interface FsckProblem {
  readonly object: string;
  readonly problem: "missing" | "corrupt" | "malformed";
  /** Where it was reached from, e.g. `heads/repo/main`. */
  readonly reachedFrom: string;
}

/** The outcome of {@link DataEngine.fsck}. */
export interface FsckReport {
  readonly ok: boolean;
  readonly objectsChecked: number;
  readonly problems: readonly FsckProblem[];
}

/** The outcome of {@link DataEngine.gc}. */
export interface GcReport {
  readonly reachable: number;
  readonly deleted: number;
}

/**
 * The DataEngine brick (v1): git-like, content-addressed versioning of files and tables, with
 * provenance and incremental pipelines. Revisions are a branch, a commit id, or either with `~n`
 * (the n-th first-parent ancestor). Every method is async and throws only `MlstackError`.
 */
export interface DataEngine extends Brick<"data", DataCapabilities>, TypedEmitter<DataEngineEvents> {
  /** Accepts calls again after a stop; idempotent. */
  start(): Promise<void>;
  /** Waits for calls in flight, then closes the storage; idempotent. */
  stop(): Promise<void>;
  /** `ok` when the storage answers. */
  health(): Promise<HealthStatus>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
  /** Creates a repo with a `main` branch at an empty root commit; `ALREADY_EXISTS` when taken. */
  createRepo(name: string, options?: { description?: string; chunking?: ChunkingOptions }): Promise<RepoInfo>;
  getRepo(name: string): Promise<RepoInfo>;
  listRepos(): Promise<RepoInfo[]>;
  /** Deletes a repo's branches and settings; its objects go at the next `gc()`. */
  deleteRepo(name: string): Promise<void>;

  /** Creates a branch at a revision; `ALREADY_EXISTS` when taken. */
  createBranch(repo: string, name: string, from: string): Promise<BranchInfo>;
  /** Deletes a branch; `main` cannot be deleted (`FAILED_PRECONDITION`). */
  deleteBranch(repo: string, name: string): Promise<void>;
  listBranches(repo: string): Promise<BranchInfo[]>;

  /**
   * Runs `write` against an open commit on a branch; the new commit becomes the head only if `write`
   * resolves and the branch has not moved meanwhile (else `CONFLICT`). If `write` throws, nothing is visible.
   */
  commit(
    repo: string,
    branch: string,
    write: (tx: CommitTransaction) => Promise<void> | void,
    options: CommitOptions,
  ): Promise<CommitInfo>;
  getCommit(repo: string, revision: string): Promise<CommitInfo>;
  /** Commits from a revision back through all parents, newest first. */
  log(repo: string, revision: string, options?: { limit?: number }): Promise<CommitInfo[]>;

  /** A file's bytes as a stream; each chunk is verified before it is yielded (`DATA_CORRUPTION`). */
  read(repo: string, revision: string, path: string, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  /** A file's bytes, whole. */
  readBytes(repo: string, revision: string, path: string): Promise<Uint8Array>;
  stat(repo: string, revision: string, path: string): Promise<FileInfo>;
  /** Files at a revision, sorted by path, filtered by prefix and glob. */
  list(repo: string, revision: string, options?: ListOptions): Promise<FileInfo[]>;
  /** Every file under a prefix, streamed in path order. */
  walk(repo: string, revision: string, prefix?: string): AsyncIterable<FileInfo>;
  /** A file as a lineage ref. */
  fileRef(repo: string, revision: string, path: string): Promise<DataFileRef>;

  /** What changed from `from` to `to`; unchanged subtrees are skipped. */
  diff(repo: string, from: string, to: string): Promise<DiffEntry[]>;
  /** Three-way merge of `source` (a revision) into the branch `dest`; `CONFLICT` lists every conflicting path. */
  merge(repo: string, source: string, dest: string, options?: MergeOptions): Promise<MergeResult>;

  /** Validates records and commits them as a JSON Lines table. */
  commitTable<S extends z.ZodType>(
    repo: string,
    branch: string,
    path: string,
    schema: S,
    records: Iterable<z.input<S>> | AsyncIterable<z.input<S>>,
    options: CommitTableOptions,
  ): Promise<TableCommitResult>;
  /** Reads a table back as typed records. */
  readTable<S extends z.ZodType>(repo: string, revision: string, path: string, schema: S): AsyncIterable<z.output<S>>;

  /** Commits a local folder; a stat cache skips re-hashing unchanged files. Emits `progress`. */
  addDirectory(
    repo: string,
    branch: string,
    localPath: string,
    options?: AddDirectoryOptions,
  ): Promise<AddDirectoryResult>;

  /** Runs a pipeline once, incrementally. */
  runPipeline(pipeline: PipelineDefinition, options?: { signal?: AbortSignal }): Promise<PipelineRunResult>;
  /** A dry run: which datums would run, be skipped or deleted, and why. */
  explain(pipeline: PipelineDefinition): Promise<PipelinePlan>;
  /** Runs the pipeline on every new commit this engine makes to its input branch. */
  subscribe(pipeline: PipelineDefinition, options?: SubscribeOptions): PipelineSubscription;

  /** Removes objects no ref reaches; never a reachable one. */
  gc(): Promise<GcReport>;
  /** Verifies every reachable object. */
  fsck(): Promise<FsckReport>;
}
