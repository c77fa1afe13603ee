import {
  type Clock,
  type DataCommitRef,
  type DataFileRef,
  defineCapabilities,
  type HealthStatus,
  isMlstackError,
  MlstackError,
  parseInput,
  requireCapability,
  SystemClock,
  TypedEmitter,
} from "@mlstack/core";
import type { z } from "zod";
import {
  addDirectoryOptionsSchema,
  branchNameSchema,
  commitOptionsSchema,
  commitTableOptionsSchema,
  createRepoOptionsSchema,
  listOptionsSchema,
  mergeOptionsSchema,
  repoNameSchema,
  revisionSchema,
} from "../schemas.js";
import type {
  AddDirectoryOptions,
  AddDirectoryResult,
  BranchInfo,
  CommitInfo,
  CommitOptions,
  CommitOrigin,
  CommitTableOptions,
  CommitTransaction,
  DataCapabilities,
  DataEngine,
  DataEngineEvents,
  DiffEntry,
  FileInfo,
  FsckReport,
  GcReport,
  ListOptions,
  MergeOptions,
  MergeResult,
  Metadata,
  PipelineDefinition,
  PipelinePlan,
  PipelineRunResult,
  PipelineSubscription,
  RepoInfo,
  SubscribeOptions,
  TableCommitResult,
} from "../spec.js";
import type { DataStorage } from "../storage/spec.js";
import { addDirectory } from "./add-directory.js";
import { type ChunkingOptions, checkChunking, DEFAULT_CHUNKING } from "./chunker.js";
import { diffTrees, toFileInfo } from "./diff-trees.js";
import { Gate } from "./gate.js";
import { fsck, gc } from "./maintenance.js";
import { compileGlob } from "./match-glob.js";
import { isAncestor, mergeBase } from "./merge-base.js";
import { mergeTrees } from "./merge-trees.js";
import { normalizePath, pathSegments } from "./normalize-path.js";
import {
  type CommitObject,
  decodeCommit,
  decodeJson,
  digestOf,
  EMPTY_TREE,
  EMPTY_TREE_BYTES,
  encodeCommit,
  encodeJson,
  type FileEntry,
} from "./object-codec.js";
import { ObjectReader } from "./object-reader.js";
import { ObjectWriter } from "./object-writer.js";
import { explainPipeline, runPipeline, subscribePipeline } from "./pipeline.js";
import { readFile } from "./read-file.js";
import { commitTable, readTable } from "./tables.js";
import { Transaction } from "./transaction.js";
import { collectTree, walkTree } from "./walk-tree.js";
import { WorkingTree } from "./working-tree.js";

/** Options of {@link createDataEngine}. */
export interface DataEngineOptions {
  /** Where objects and refs live. */
  storage: DataStorage;
  /** The implementation's name; defaults to the storage's name. */
  name?: string;
  /** Source of commit times; default the system clock. */
  clock?: Clock;
  /** Author of commits that name none; default `mlstack`. */
  author?: string;
  /** Switch capabilities off (a false capability makes its methods `NOT_SUPPORTED`). */
  capabilities?: Partial<DataCapabilities>;
}

/** The default capabilities of the reference engine. */
export const DATA_CAPABILITY_DEFAULTS = {
  merge: true,
  tables: true,
  localDirectories: true,
  pipelines: true,
  maintenance: true,
  persistent: false,
};

/** Options of the internal commit path, used by tables, folders, merges and pipelines. */
export interface InternalCommitOptions {
  message: string;
  author?: string | undefined;
  expectedHead?: string | undefined;
  allowEmpty?: boolean | undefined;
  metadata?: Metadata | undefined;
  provenance?: readonly DataCommitRef[] | undefined;
  signal?: AbortSignal | undefined;
  origin?: CommitOrigin;
  /** Extra parents after the base head (a merge). */
  extraParents?: readonly string[];
}

/** A resolved revision. */
export interface Resolved {
  readonly id: string;
  readonly commit: CommitObject;
}

const REPOS = "repos/";
const headRef = (repo: string, branch: string) => `heads/${repo}/${branch}`;

function cancelled(signal: AbortSignal): MlstackError {
  return new MlstackError("CANCELLED", "the operation was aborted", { cause: signal.reason });
}

/**
 * The reference DataEngine: every rule of the brick, over any {@link DataStorage}. Persistent
 * backends implement only the storage SPI, so they cannot drift from these rules.
 */
export class ReferenceDataEngine extends TypedEmitter<DataEngineEvents> implements DataEngine {
  readonly kind = "data" as const;
  readonly name: string;
  readonly specificationVersion = "v1" as const;
  readonly capabilities: DataCapabilities;
  readonly coverage = Object.freeze({
    ingestion: "partial",
    versioning: "full",
    lineage: "partial",
    transformation: "partial",
    validation: "partial",
  } as const);

  /** @internal */ readonly storage: DataStorage;
  /** @internal */ readonly reader: ObjectReader;
  /** @internal */ readonly clock: Clock;
  /** @internal */ readonly gate = new Gate();
  /** @internal */ readonly memo = new Map<string, unknown>();
  readonly #author: string;
  readonly #openCommits = new Set<string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #stopped = false;

  constructor(options: DataEngineOptions) {
    super();
    this.storage = options.storage;
    this.name = options.name ?? options.storage.name;
    this.clock = options.clock ?? new SystemClock();
    this.#author = options.author ?? "mlstack";
    this.capabilities = defineCapabilities(
      { ...DATA_CAPABILITY_DEFAULTS, persistent: options.storage.persistent },
      options.capabilities ?? {},
    ) as DataCapabilities;
    this.reader = new ObjectReader(options.storage.objects);
  }

  // ---- lifecycle

  async start(): Promise<void> {
    this.#stopped = false;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.storage.close();
  }

  async health(): Promise<HealthStatus> {
    if (this.#stopped) return { status: "down", detail: "stopped" };
    try {
      await this.storage.refs.list(REPOS);
      return { status: "ok" };
    } catch (error) {
      return { status: "down", detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Runs a public operation: refuses after stop, tracks it for draining, maps stray errors. @internal */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#stopped) throw new MlstackError("FAILED_PRECONDITION", `data engine "${this.name}" is stopped`);
    const p = fn().catch((error: unknown) => {
      throw mapError(error);
    });
    this.#inFlight.add(p);
    try {
      return await p;
    } finally {
      this.#inFlight.delete(p);
    }
  }

  /** Emits a progress event. @internal */
  progress(task: string, done: number, total: number | undefined, unit: string): void {
    this.emit("progress", total === undefined ? { task, done, unit } : { task, done, total, unit });
  }

  // ---- objects

  /**
   * Stores a JSON object and returns its digest. Canonical JSON by default; `canonical: false` is
   * plain `JSON.stringify` for large records built in a fixed order (a stat cache). @internal
   */
  async putJson(value: unknown, canonical = true): Promise<string> {
    const bytes = canonical ? encodeJson(value) : new TextEncoder().encode(JSON.stringify(value));
    const digest = digestOf(bytes);
    await this.storage.objects.put([{ digest, bytes }]);
    return digest;
  }

  /** Reads a verified JSON object. @internal */
  async getJson<T>(digest: string, what: string): Promise<T> {
    return decodeJson<T>(await this.reader.get(digest, what), what, digest);
  }

  /** A commit object by id. @internal */
  async commitObject(id: string): Promise<CommitObject> {
    return decodeCommit(await this.reader.get(id, "commit"), id);
  }

  #info(repo: string, id: string, c: CommitObject): CommitInfo {
    return {
      id,
      repo,
      tree: c.tree,
      parents: c.parents,
      author: c.author,
      message: c.message,
      time: c.time,
      origin: c.origin,
      provenance: c.provenance,
      metadata: c.metadata,
      ref: { kind: "data-commit", repo, commit: id },
    };
  }

  // ---- repos

  createRepo(name: string, options: { description?: string; chunking?: ChunkingOptions } = {}): Promise<RepoInfo> {
    return this.run(async () => {
      const repo = parseInput(repoNameSchema, name, "repo name");
      const opts = parseInput(createRepoOptionsSchema, options, "createRepo options");
      const chunking = checkChunking(opts.chunking ?? DEFAULT_CHUNKING);
      if ((await this.storage.refs.get(REPOS + repo)) !== undefined) {
        throw new MlstackError("ALREADY_EXISTS", `repo ${repo} already exists`, { details: { repo } });
      }
      const root: CommitObject = {
        tree: EMPTY_TREE,
        parents: [],
        author: this.#author,
        message: `create repository ${repo}`,
        time: this.clock.now(),
        origin: "user",
        provenance: [],
        metadata: { repo },
      };
      const commitBytes = encodeCommit(root);
      const rootCommit = digestOf(commitBytes);
      await this.storage.objects.put([
        { digest: EMPTY_TREE, bytes: EMPTY_TREE_BYTES },
        { digest: rootCommit, bytes: commitBytes },
      ]);
      const info: RepoInfo = { name: repo, description: opts.description ?? "", chunking, rootCommit };
      const repoDigest = await this.putJson({ type: "repo", v: 1, ...info });
      // A head left by a create that crashed before its repo ref is overwritten; the repo ref decides.
      const mainRef = headRef(repo, "main");
      const leftover = await this.storage.refs.get(mainRef);
      await this.storage.refs.cas(mainRef, leftover, rootCommit);
      if (!(await this.storage.refs.cas(REPOS + repo, undefined, repoDigest))) {
        throw new MlstackError("ALREADY_EXISTS", `repo ${repo} already exists`, { details: { repo } });
      }
      return info;
    });
  }

  /** The settings of a repo; `NOT_FOUND` when absent. @internal */
  async repoInfo(name: string): Promise<RepoInfo> {
    const repo = parseInput(repoNameSchema, name, "repo name");
    const digest = await this.storage.refs.get(REPOS + repo);
    if (digest === undefined) throw new MlstackError("NOT_FOUND", `no repo ${repo}`, { details: { repo } });
    const raw = await this.getJson<RepoInfo & { type: string }>(digest, "repo");
    return { name: raw.name, description: raw.description, chunking: raw.chunking, rootCommit: raw.rootCommit };
  }

  getRepo(name: string): Promise<RepoInfo> {
    return this.run(() => this.repoInfo(name));
  }

  listRepos(): Promise<RepoInfo[]> {
    return this.run(async () => {
      const refs = await this.storage.refs.list(REPOS);
      return Promise.all(refs.map((r) => this.repoInfo(r.name.slice(REPOS.length))));
    });
  }

  deleteRepo(name: string): Promise<void> {
    return this.run(async () => {
      const repo = parseInput(repoNameSchema, name, "repo name");
      const digest = await this.storage.refs.get(REPOS + repo);
      if (digest === undefined) throw new MlstackError("NOT_FOUND", `no repo ${repo}`, { details: { repo } });
      if (!(await this.storage.refs.cas(REPOS + repo, digest, undefined))) {
        throw new MlstackError("CONFLICT", `repo ${repo} changed while being deleted`, { details: { repo } });
      }
      for (const prefix of [`heads/${repo}/`, `statcache/${repo}/`]) {
        for (const r of await this.storage.refs.list(prefix)) await this.storage.refs.cas(r.name, r.value, undefined);
      }
    });
  }

  // ---- branches and revisions

  /** The head of a branch; `NOT_FOUND` for an unknown repo or branch. @internal */
  async head(repo: string, branch: string): Promise<string> {
    await this.repoInfo(repo);
    const b = parseInput(branchNameSchema, branch, "branch name");
    const head = await this.storage.refs.get(headRef(repo, b));
    if (head === undefined)
      throw new MlstackError("NOT_FOUND", `no branch ${b} in repo ${repo}`, { details: { repo, branch: b } });
    return head;
  }

  /** Resolves `branch`, `commit`, `branch~n` or `commit~n`. @internal */
  async resolve(repo: string, revision: string): Promise<Resolved> {
    const rev = parseInput(revisionSchema, revision, "revision");
    const [name, back] = rev.split("~") as [string, string | undefined];
    let id: string;
    if (/^[0-9a-f]{64}$/.test(name)) {
      await this.repoInfo(repo);
      if (!(await this.storage.objects.has(name)) && (await this.storage.objects.get(name)) === undefined) {
        throw new MlstackError("NOT_FOUND", `no commit ${name}`, { details: { repo, commit: name } });
      }
      id = name;
    } else id = await this.head(repo, name);
    let commit = await this.commitObject(id);
    for (let n = Number(back ?? 0); n > 0; n--) {
      const parent = commit.parents[0];
      if (parent === undefined) {
        throw new MlstackError("NOT_FOUND", `${rev}: history is shorter than ${back} commits`, {
          details: { repo, revision: rev },
        });
      }
      id = parent;
      commit = await this.commitObject(id);
    }
    return { id, commit };
  }

  createBranch(repo: string, name: string, from: string): Promise<BranchInfo> {
    return this.run(async () => {
      const branch = parseInput(branchNameSchema, name, "branch name");
      const { id } = await this.resolve(repo, from);
      if (!(await this.storage.refs.cas(headRef(repo, branch), undefined, id))) {
        throw new MlstackError("ALREADY_EXISTS", `branch ${branch} already exists in repo ${repo}`, {
          details: { repo, branch },
        });
      }
      return { name: branch, head: id };
    });
  }

  deleteBranch(repo: string, name: string): Promise<void> {
    return this.run(async () => {
      const head = await this.head(repo, name);
      if (name === "main")
        throw new MlstackError("FAILED_PRECONDITION", "the main branch cannot be deleted", { details: { repo } });
      if (!(await this.storage.refs.cas(headRef(repo, name), head, undefined))) {
        throw new MlstackError("CONFLICT", `branch ${name} moved while being deleted`, {
          details: { repo, branch: name },
        });
      }
    });
  }

  listBranches(repo: string): Promise<BranchInfo[]> {
    return this.run(async () => {
      await this.repoInfo(repo);
      const prefix = `heads/${repo}/`;
      return (await this.storage.refs.list(prefix)).map((r) => ({ name: r.name.slice(prefix.length), head: r.value }));
    });
  }

  // ---- commits

  commit(
    repo: string,
    branch: string,
    write: (tx: CommitTransaction) => Promise<void> | void,
    options: CommitOptions,
  ): Promise<CommitInfo> {
    return this.run(async () => {
      const opts = parseInput(commitOptionsSchema, options, "commit options");
      if (typeof write !== "function") throw new MlstackError("INVALID_ARGUMENT", "commit needs a write callback");
      return (await this.commitWith(repo, branch, write, opts)).commit;
    });
  }

  /**
   * The one commit path: opens a working tree on the branch head, runs `write`, seals the tree, stores
   * the commit and moves the branch by compare-and-swap. `commit` is undefined only for an empty commit
   * when `skipEmpty` is set. @internal
   */
  async commitWith<T>(
    repo: string,
    branch: string,
    write: (tx: Transaction, base: Resolved) => Promise<T> | T,
    options: InternalCommitOptions,
  ): Promise<{ commit: CommitInfo; value: T }> {
    const b = parseInput(branchNameSchema, branch, "branch name");
    const settings = await this.repoInfo(repo);
    const key = `${repo}/${b}`;
    if (this.#openCommits.has(key)) {
      throw new MlstackError("FAILED_PRECONDITION", `a commit is already open on ${repo}/${b}`, {
        details: { repo, branch: b },
      });
    }
    this.#openCommits.add(key);
    try {
      return await this.gate.shared(async () => {
        const head = await this.head(repo, b);
        if (options.expectedHead !== undefined && options.expectedHead !== head) {
          throw new MlstackError(
            "CONFLICT",
            `branch ${b} of ${repo} is at ${head}, not the expected ${options.expectedHead}`,
            {
              details: { repo, branch: b, head, expectedHead: options.expectedHead },
            },
          );
        }
        const base = await this.commitObject(head);
        const tree = new WorkingTree(this.reader, base.tree);
        const writer = new ObjectWriter(this.storage.objects);
        const tx = new Transaction(tree, writer, settings.chunking, options.signal);
        let value: T;
        try {
          value = await write(tx, { id: head, commit: base });
        } catch (error) {
          if (isMlstackError(error)) throw error;
          throw new MlstackError("CANCELLED", "the commit callback threw; nothing was committed", { cause: error });
        } finally {
          tx.close();
        }
        const root = await tree.seal(writer);
        if (root === base.tree && !options.allowEmpty) {
          throw new MlstackError("FAILED_PRECONDITION", `nothing to commit on ${repo}/${b}`, {
            details: { repo, branch: b },
          });
        }
        const commit: CommitObject = {
          tree: root,
          parents: [head, ...(options.extraParents ?? [])],
          author: options.author ?? this.#author,
          message: options.message,
          time: this.clock.now(),
          origin: options.origin ?? "user",
          provenance: options.provenance ?? [],
          metadata: options.metadata ?? {},
        };
        const bytes = encodeCommit(commit);
        const id = digestOf(bytes);
        await writer.add(id, bytes, true);
        await writer.flush();
        if (options.signal?.aborted) throw cancelled(options.signal);
        if (!(await this.storage.refs.cas(headRef(repo, b), head, id))) {
          throw new MlstackError("CONFLICT", `branch ${b} of ${repo} moved during the commit`, {
            details: { repo, branch: b, base: head },
          });
        }
        const info = this.#info(repo, id, commit);
        this.emit("commit", { repo, branch: b, commit: info });
        return { commit: info, value };
      });
    } finally {
      this.#openCommits.delete(key);
    }
  }

  getCommit(repo: string, revision: string): Promise<CommitInfo> {
    return this.run(async () => {
      const { id, commit } = await this.resolve(repo, revision);
      return this.#info(repo, id, commit);
    });
  }

  log(repo: string, revision: string, options: { limit?: number } = {}): Promise<CommitInfo[]> {
    return this.run(async () => {
      const limit = options.limit ?? Number.POSITIVE_INFINITY;
      if (!(limit > 0)) throw new MlstackError("INVALID_ARGUMENT", "limit must be positive");
      const start = await this.resolve(repo, revision);
      const out: CommitInfo[] = [];
      const seen = new Set([start.id]);
      const frontier: Resolved[] = [start];
      while (frontier.length > 0 && out.length < limit) {
        // Newest first across all parents; ties by id keep the order stable.
        frontier.sort((a, b) => b.commit.time - a.commit.time || (a.id < b.id ? -1 : 1));
        const next = frontier.shift() as Resolved;
        out.push(this.#info(repo, next.id, next.commit));
        for (const p of next.commit.parents) {
          if (!seen.has(p)) {
            seen.add(p);
            frontier.push({ id: p, commit: await this.commitObject(p) });
          }
        }
      }
      return out;
    });
  }

  // ---- reading

  /** The entry of a file at a revision; `NOT_FOUND` when absent. @internal */
  async fileEntry(tree: string, path: string, repo: string): Promise<FileEntry> {
    const segments = pathSegments(path);
    let current = tree;
    for (let i = 0; i < segments.length; i++) {
      const entry = (await this.reader.tree(current)).find((e) => e.name === segments[i]);
      if (entry === undefined) break;
      if (i === segments.length - 1) {
        if (entry.kind === "file") return entry;
        break;
      }
      if (entry.kind !== "dir") break;
      current = entry.tree;
    }
    throw new MlstackError("NOT_FOUND", `no file ${path} in repo ${repo}`, { details: { repo, path } });
  }

  read(
    repo: string,
    revision: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncIterable<Uint8Array> {
    const engine = this;
    return {
      async *[Symbol.asyncIterator]() {
        const p = normalizePath(path);
        const entry = await engine.run(async () =>
          engine.fileEntry((await engine.resolve(repo, revision)).commit.tree, p, repo),
        );
        try {
          yield* readFile(engine.reader, entry, options.signal);
        } catch (error) {
          throw mapError(error);
        }
      },
    };
  }

  readBytes(repo: string, revision: string, path: string): Promise<Uint8Array> {
    return this.run(async () => {
      const parts: Uint8Array[] = [];
      for await (const part of this.read(repo, revision, path)) parts.push(part);
      return parts.length === 1 ? (parts[0] as Uint8Array) : new Uint8Array(Buffer.concat(parts));
    });
  }

  stat(repo: string, revision: string, path: string): Promise<FileInfo> {
    return this.run(async () => {
      const p = normalizePath(path);
      return toFileInfo(p, await this.fileEntry((await this.resolve(repo, revision)).commit.tree, p, repo));
    });
  }

  fileRef(repo: string, revision: string, path: string): Promise<DataFileRef> {
    return this.run(async () => {
      const p = normalizePath(path);
      const { id, commit } = await this.resolve(repo, revision);
      const entry = await this.fileEntry(commit.tree, p, repo);
      return { kind: "data-file", repo, commit: id, path: p, digest: `sha256:${entry.digest}` };
    });
  }

  /** The subtree or file at a prefix of a tree. */
  async #locate(tree: string, prefix: string): Promise<{ tree: string } | { file: FileEntry } | undefined> {
    let current = tree;
    const segments = pathSegments(prefix);
    for (let i = 0; i < segments.length; i++) {
      const entry = (await this.reader.tree(current)).find((e) => e.name === segments[i]);
      if (entry === undefined) return undefined;
      if (entry.kind === "file") return i === segments.length - 1 ? { file: entry } : undefined;
      current = entry.tree;
    }
    return { tree: current };
  }

  /** Files under a prefix (a directory or one file) of a tree, streamed. @internal */
  async *walkPrefix(tree: string, prefix: string): AsyncGenerator<[string, FileEntry]> {
    const at = await this.#locate(tree, prefix);
    if (at === undefined) return;
    if ("file" in at) yield [prefix, at.file];
    else yield* walkTree(this.reader, at.tree, prefix);
  }

  /** Files under a prefix (a directory or one file) of a tree, all at once. @internal */
  async listPrefix(tree: string, prefix: string): Promise<Array<[string, FileEntry]>> {
    const at = await this.#locate(tree, prefix);
    if (at === undefined) return [];
    if ("file" in at) return [[prefix, at.file]];
    return collectTree(this.reader, at.tree, prefix, []);
  }

  list(repo: string, revision: string, options: ListOptions = {}): Promise<FileInfo[]> {
    return this.run(async () => {
      const opts = parseInput(listOptionsSchema, options, "list options");
      const prefix = normalizePath(opts.prefix ?? "", { directory: true });
      const match = opts.glob === undefined ? undefined : compileGlob(opts.glob);
      const { commit } = await this.resolve(repo, revision);
      const out: FileInfo[] = [];
      for (const [path, entry] of await this.listPrefix(commit.tree, prefix)) {
        if (match === undefined || match(path)) out.push(toFileInfo(path, entry));
      }
      return out;
    });
  }

  walk(repo: string, revision: string, prefix = ""): AsyncIterable<FileInfo> {
    const engine = this;
    return {
      async *[Symbol.asyncIterator]() {
        const p = normalizePath(prefix, { directory: true });
        const { commit } = await engine.run(() => engine.resolve(repo, revision));
        try {
          for await (const [path, entry] of engine.walkPrefix(commit.tree, p)) yield toFileInfo(path, entry);
        } catch (error) {
          throw mapError(error);
        }
      },
    };
  }

  diff(repo: string, from: string, to: string): Promise<DiffEntry[]> {
    return this.run(async () => {
      const [a, b] = await Promise.all([this.resolve(repo, from), this.resolve(repo, to)]);
      return diffTrees(this.reader, a.commit.tree, b.commit.tree);
    });
  }

  // ---- merge

  merge(repo: string, source: string, dest: string, options: MergeOptions = {}): Promise<MergeResult> {
    return this.run(async () => {
      requireCapability(this, "merge");
      const opts = parseInput(mergeOptionsSchema, options, "merge options");
      const strategy = opts.strategy ?? "fail";
      const src = await this.resolve(repo, source);
      const parentsOf = async (id: string) => (await this.commitObject(id)).parents;
      const destHead = await this.head(repo, dest);
      if (await isAncestor(src.id, destHead, parentsOf)) {
        return {
          kind: "up-to-date",
          commit: this.#info(repo, destHead, await this.commitObject(destHead)),
          resolved: [],
        };
      }
      if (await isAncestor(destHead, src.id, parentsOf)) {
        if (!(await this.storage.refs.cas(headRef(repo, dest), destHead, src.id))) {
          throw new MlstackError("CONFLICT", `branch ${dest} moved during the merge`, {
            details: { repo, branch: dest },
          });
        }
        const info = this.#info(repo, src.id, src.commit);
        this.emit("commit", { repo, branch: dest, commit: info });
        return { kind: "fast-forward", commit: info, resolved: [] };
      }
      const base = await mergeBase(src.id, destHead, parentsOf);
      const baseTree = base === undefined ? EMPTY_TREE : (await this.commitObject(base)).tree;
      const { commit, value } = await this.commitWith(
        repo,
        dest,
        async (tx, head) => {
          const outcome = await mergeTrees(
            this.reader,
            baseTree,
            src.commit.tree,
            head.commit.tree,
            tx.workingTree,
            strategy,
            (path) => this.fileEntry(src.commit.tree, path, repo),
          );
          if (outcome.conflicts.length > 0 && strategy === "fail") {
            throw new MlstackError(
              "CONFLICT",
              `merge of ${source} into ${dest} conflicts on ${outcome.conflicts.length} path(s)`,
              {
                details: { repo, source, dest, conflicts: outcome.conflicts },
              },
            );
          }
          return outcome.conflicts;
        },
        {
          message: opts.message ?? `merge ${source} into ${dest}`,
          author: opts.author,
          metadata: opts.metadata,
          expectedHead: destHead,
          allowEmpty: true,
          extraParents: [src.id],
        },
      );
      return { kind: "merged", commit, resolved: value };
    });
  }

  // ---- tables, folders, pipelines, maintenance

  commitTable<S extends z.ZodType>(
    repo: string,
    branch: string,
    path: string,
    schema: S,
    records: Iterable<z.input<S>> | AsyncIterable<z.input<S>>,
    options: CommitTableOptions,
  ): Promise<TableCommitResult> {
    return this.run(async () => {
      requireCapability(this, "tables");
      const opts = parseInput(commitTableOptionsSchema, options, "commitTable options");
      return commitTable(this, repo, branch, path, schema, records, opts);
    });
  }

  readTable<S extends z.ZodType>(repo: string, revision: string, path: string, schema: S): AsyncIterable<z.output<S>> {
    requireCapability(this, "tables");
    return readTable(this, repo, revision, path, schema);
  }

  addDirectory(
    repo: string,
    branch: string,
    localPath: string,
    options: AddDirectoryOptions = {},
  ): Promise<AddDirectoryResult> {
    return this.run(async () => {
      requireCapability(this, "localDirectories");
      const opts = parseInput(addDirectoryOptionsSchema, options, "addDirectory options");
      return addDirectory(this, repo, branch, localPath, opts);
    });
  }

  runPipeline(pipeline: PipelineDefinition, options: { signal?: AbortSignal } = {}): Promise<PipelineRunResult> {
    return this.run(async () => {
      requireCapability(this, "pipelines");
      return runPipeline(this, pipeline, options.signal);
    });
  }

  explain(pipeline: PipelineDefinition): Promise<PipelinePlan> {
    return this.run(async () => {
      requireCapability(this, "pipelines");
      return explainPipeline(this, pipeline);
    });
  }

  subscribe(pipeline: PipelineDefinition, options: SubscribeOptions = {}): PipelineSubscription {
    requireCapability(this, "pipelines");
    return subscribePipeline(this, pipeline, options);
  }

  gc(): Promise<GcReport> {
    return this.run(async () => {
      requireCapability(this, "maintenance");
      return this.gate.exclusive(() => gc(this));
    });
  }

  fsck(): Promise<FsckReport> {
    return this.run(async () => {
      requireCapability(this, "maintenance");
      return fsck(this);
    });
  }
}

/** Maps anything thrown below a public method to an MlstackError. */
function mapError(error: unknown): MlstackError {
  if (isMlstackError(error)) return error;
  return new MlstackError("INTERNAL", error instanceof Error ? error.message : String(error), { cause: error });
}

/** Creates a DataEngine over a storage backend. */
export function createDataEngine(options: DataEngineOptions): DataEngine {
  return new ReferenceDataEngine(options);
}
