import { MlstackError, parseInput } from "@mlstack/core";
import { metadataSchema } from "../schemas.js";
import type { CommitTransaction, FileData, FileInfo, PutOptions } from "../spec.js";
import type { ChunkingOptions } from "./chunker.js";
import { toFileInfo } from "./diff-trees.js";
import { normalizePath, pathSegments } from "./normalize-path.js";
import type { ObjectWriter } from "./object-writer.js";
import type { WorkingTree } from "./working-tree.js";
import { type WrittenFile, writeFile } from "./write-file.js";

/** Whether a file write added, changed or left a path as it was. */
export type SetOutcome = "added" | "modified" | "unchanged";

/**
 * An open commit. File bytes are chunked and stored concurrently; edits of the tree are serialized,
 * so parallel `put` calls are safe. After the commit ends, every method is `FAILED_PRECONDITION`.
 */
export class Transaction implements CommitTransaction {
  readonly #tree: WorkingTree;
  readonly #writer: ObjectWriter;
  readonly #chunking: ChunkingOptions;
  readonly #signal: AbortSignal | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(tree: WorkingTree, writer: ObjectWriter, chunking: ChunkingOptions, signal: AbortSignal | undefined) {
    this.#tree = tree;
    this.#writer = writer;
    this.#chunking = chunking;
    this.#signal = signal;
  }

  /** The tree being edited, for whole-tree operations such as a merge. */
  get workingTree(): WorkingTree {
    return this.#tree;
  }

  /** Ends the transaction: later calls fail. */
  close(): void {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new MlstackError("FAILED_PRECONDITION", "this commit transaction has ended");
    if (this.#signal?.aborted)
      throw new MlstackError("CANCELLED", "the commit was aborted", { cause: this.#signal.reason });
  }

  // Runs tree edits one at a time, in call order.
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => {});
    return run;
  }

  async put(path: string, data: FileData, options: PutOptions = {}): Promise<FileInfo> {
    this.#check();
    const p = normalizePath(path);
    const metadata =
      options.metadata === undefined ? undefined : parseInput(metadataSchema, options.metadata, "metadata");
    const written = await writeFile(data, this.#chunking, this.#writer, this.#signal);
    const entry = metadata === undefined ? written : { ...written, metadata };
    await this.putEntry(p, entry);
    return toFileInfo(p, { kind: "file", name: p, ...entry });
  }

  /** Sets a path to an already stored file. */
  putEntry(path: string, entry: WrittenFile): Promise<SetOutcome> {
    this.#check();
    return this.#serial(() => this.#tree.setFile(pathSegments(path), entry));
  }

  /** Sets many paths (normalized, sorted by directory) to stored files. */
  putEntries(items: ReadonlyArray<{ path: string; entry: WrittenFile }>): Promise<SetOutcome[]> {
    this.#check();
    return this.#serial(() =>
      this.#tree.setFiles(items.map((i) => ({ segments: pathSegments(i.path), entry: i.entry }))),
    );
  }

  async delete(path: string): Promise<void> {
    this.#check();
    const p = normalizePath(path);
    const removed = await this.#serial(() => this.#tree.remove(pathSegments(p)));
    if (!removed) throw new MlstackError("NOT_FOUND", `nothing at ${p} to delete`, { details: { path: p } });
  }

  /** Removes a path if present; returns whether it was. */
  remove(path: string): Promise<boolean> {
    this.#check();
    return this.#serial(() => this.#tree.remove(pathSegments(path)));
  }

  async copy(from: string, to: string): Promise<void> {
    this.#check();
    const a = normalizePath(from);
    const b = normalizePath(to);
    await this.#serial(() => this.#tree.copy(pathSegments(a), pathSegments(b), this.#writer));
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    this.#check();
    const p = normalizePath(path);
    const entry = await this.#serial(() => this.#tree.file(pathSegments(p)));
    return entry && toFileInfo(p, entry);
  }
}
