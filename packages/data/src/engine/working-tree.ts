import { MlstackError } from "@mlstack/core";
import { digestOf, encodeTree, type FileEntry, type TreeEntry } from "./object-codec.js";
import type { ObjectReader } from "./object-reader.js";
import type { ObjectWriter } from "./object-writer.js";

/** A directory being edited: loaded lazily from its tree object, sealed back into one. */
class DirNode {
  base: string | undefined;
  children: Map<string, FileEntry | DirNode> | undefined;
  dirty = false;

  constructor(base: string | undefined) {
    this.base = base;
    if (base === undefined) this.children = new Map();
  }
}

function sameFile(a: FileEntry, b: FileEntry): boolean {
  return (
    a.digest === b.digest &&
    a.size === b.size &&
    a.manifest === b.manifest &&
    JSON.stringify(a.metadata ?? null) === JSON.stringify(b.metadata ?? null)
  );
}

/**
 * The mutable tree of an open commit, over an immutable base tree. Only directories on the paths that
 * change are loaded and rewritten; untouched subtrees keep their digests, so sealing costs grow with the
 * change, not with the tree. Directories exist only while they hold files.
 */
export class WorkingTree {
  readonly #reader: ObjectReader;
  readonly #root: DirNode;

  constructor(reader: ObjectReader, baseTree: string) {
    this.#reader = reader;
    this.#root = new DirNode(baseTree);
  }

  async #children(node: DirNode): Promise<Map<string, FileEntry | DirNode>> {
    if (node.children) return node.children;
    const entries = await this.#reader.tree(node.base as string);
    const children = new Map<string, FileEntry | DirNode>();
    for (const e of entries) children.set(e.name, e.kind === "dir" ? new DirNode(e.tree) : e);
    node.children = children;
    return children;
  }

  /** The directory at `segments`, creating missing ones when `create`; undefined if absent. */
  async #dir(segments: readonly string[], create: boolean, path: string): Promise<DirNode | undefined> {
    let node = this.#root;
    for (let i = 0; i < segments.length; i++) {
      const children = await this.#children(node);
      const name = segments[i] as string;
      const child = children.get(name);
      if (child instanceof DirNode) node = child;
      else if (child !== undefined) {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          `${segments.slice(0, i + 1).join("/")} is a file, not a directory`,
          {
            details: { path },
          },
        );
      } else {
        if (!create) return undefined;
        const created = new DirNode(undefined);
        children.set(name, created);
        node = created;
      }
    }
    return node;
  }

  #markDirty(segments: readonly string[]): void {
    // Dirty flags are set along the whole path after the change, so sealing finds every changed directory.
    let node: DirNode = this.#root;
    node.dirty = true;
    for (const name of segments) {
      const child = node.children?.get(name);
      if (!(child instanceof DirNode)) return;
      child.dirty = true;
      node = child;
    }
  }

  /** The file or directory node at a path (segments non-empty). */
  async #get(segments: readonly string[]): Promise<FileEntry | DirNode | undefined> {
    if (segments.length === 0) return this.#root;
    const parent = await this.#dir(segments.slice(0, -1), false, segments.join("/")).catch((e: unknown) => {
      if (e instanceof MlstackError && e.code === "FAILED_PRECONDITION") return undefined;
      throw e;
    });
    if (!parent) return undefined;
    return (await this.#children(parent)).get(segments[segments.length - 1] as string);
  }

  /** The file at a path, or undefined (also for a directory). */
  async file(segments: readonly string[]): Promise<FileEntry | undefined> {
    const node = await this.#get(segments);
    return node === undefined || node instanceof DirNode ? undefined : node;
  }

  /** Whether a path is a directory. */
  async isDir(segments: readonly string[]): Promise<boolean> {
    return (await this.#get(segments)) instanceof DirNode;
  }

  /** Sets the file at a path. */
  async setFile(
    segments: readonly string[],
    entry: Omit<FileEntry, "name" | "kind">,
  ): Promise<"added" | "modified" | "unchanged"> {
    const path = segments.join("/");
    const parent = (await this.#dir(segments.slice(0, -1), true, path)) as DirNode;
    const children = await this.#children(parent);
    const name = segments[segments.length - 1] as string;
    const existing = children.get(name);
    if (existing instanceof DirNode) {
      throw new MlstackError("FAILED_PRECONDITION", `${path} is a directory`, { details: { path } });
    }
    const next: FileEntry = { ...entry, kind: "file", name };
    if (existing && sameFile(existing, next)) return "unchanged";
    children.set(name, next);
    this.#markDirty(segments.slice(0, -1));
    return existing ? "modified" : "added";
  }

  /**
   * Sets many files at once; paths sorted by directory share one lookup of their directory, which
   * matters when a folder of 100,000 files is committed.
   */
  async setFiles(
    items: ReadonlyArray<{ segments: readonly string[]; entry: Omit<FileEntry, "name" | "kind"> }>,
  ): Promise<Array<"added" | "modified" | "unchanged">> {
    const outcomes: Array<"added" | "modified" | "unchanged"> = [];
    let dirKey: string | undefined;
    let children: Map<string, FileEntry | DirNode> | undefined;
    let dirtyMarked = false;
    for (const { segments, entry } of items) {
      const parentSegments = segments.slice(0, -1);
      const key = parentSegments.join("/");
      const path = segments.join("/");
      if (key !== dirKey || children === undefined) {
        const parent = (await this.#dir(parentSegments, true, path)) as DirNode;
        children = await this.#children(parent);
        dirKey = key;
        dirtyMarked = false;
      }
      const name = segments[segments.length - 1] as string;
      const existing = children.get(name);
      if (existing instanceof DirNode) {
        throw new MlstackError("FAILED_PRECONDITION", `${path} is a directory`, { details: { path } });
      }
      const next: FileEntry = { ...entry, kind: "file", name };
      if (existing && sameFile(existing, next)) {
        outcomes.push("unchanged");
        continue;
      }
      children.set(name, next);
      if (!dirtyMarked) {
        this.#markDirty(parentSegments);
        dirtyMarked = true;
      }
      outcomes.push(existing ? "modified" : "added");
    }
    return outcomes;
  }

  /** Removes a file or directory; returns false when nothing was there. Emptied directories go too. */
  async remove(segments: readonly string[]): Promise<boolean> {
    if (segments.length === 0) {
      const children = await this.#children(this.#root);
      if (children.size === 0) return false;
      children.clear();
      this.#root.dirty = true;
      return true;
    }
    const parents: DirNode[] = [this.#root];
    for (let i = 0; i < segments.length - 1; i++) {
      const child = (await this.#children(parents[i] as DirNode)).get(segments[i] as string);
      if (!(child instanceof DirNode)) return false;
      parents.push(child);
    }
    let i = segments.length - 1;
    const children = await this.#children(parents[i] as DirNode);
    if (!children.delete(segments[i] as string)) return false;
    this.#markDirty(segments.slice(0, -1));
    // Prune directories left empty.
    while (i > 0 && (parents[i] as DirNode).children?.size === 0) {
      (parents[i - 1] as DirNode).children?.delete(segments[i - 1] as string);
      i--;
    }
    return true;
  }

  /** Copies a file or directory to another path (replacing what is there). */
  async copy(from: readonly string[], to: readonly string[], writer: ObjectWriter): Promise<void> {
    const node = await this.#get(from);
    if (node === undefined) {
      throw new MlstackError("NOT_FOUND", `nothing at ${from.join("/") || "/"} to copy`, {
        details: { path: from.join("/") },
      });
    }
    if (node instanceof DirNode) {
      const tree = await this.#seal(node, writer);
      if (to.length === 0) throw new MlstackError("INVALID_ARGUMENT", "cannot copy a directory onto the root");
      const parent = (await this.#dir(to.slice(0, -1), true, to.join("/"))) as DirNode;
      const children = await this.#children(parent);
      const name = to[to.length - 1] as string;
      const existing = children.get(name);
      if (existing !== undefined && !(existing instanceof DirNode)) {
        throw new MlstackError("FAILED_PRECONDITION", `${to.join("/")} is a file`, { details: { path: to.join("/") } });
      }
      if (tree === undefined || (existing instanceof DirNode && !existing.dirty && existing.base === tree)) return;
      children.set(name, new DirNode(tree));
      this.#markDirty(to.slice(0, -1));
      return;
    }
    const { name: _name, kind: _kind, ...entry } = node;
    await this.setFile(to, entry);
  }

  /** Writes every changed directory and returns the root tree digest. */
  async seal(writer: ObjectWriter): Promise<string> {
    // The root is never pruned, so it always seals to a digest (the empty tree at worst).
    return (await this.#seal(this.#root, writer)) as string;
  }

  // Returns undefined for an empty directory (it disappears from its parent).
  async #seal(node: DirNode, writer: ObjectWriter): Promise<string | undefined> {
    if (!node.dirty) return node.base;
    const entries: TreeEntry[] = [];
    for (const [name, child] of node.children ?? []) {
      if (child instanceof DirNode) {
        const tree = await this.#seal(child, writer);
        if (tree !== undefined) entries.push({ kind: "dir", name, tree });
      } else entries.push(child);
    }
    if (entries.length === 0 && node !== this.#root) return undefined;
    const bytes = encodeTree(entries);
    const digest = digestOf(bytes);
    await writer.add(digest, bytes, true);
    node.base = digest;
    node.dirty = false;
    return digest;
  }
}
