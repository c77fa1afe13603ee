import type { DiffEntry, FileInfo } from "../spec.js";
import type { FileEntry } from "./object-codec.js";
import type { ObjectReader } from "./object-reader.js";
import { walkTree } from "./walk-tree.js";

/** The public view of a tree's file entry. */
export function toFileInfo(path: string, e: FileEntry): FileInfo {
  return { path, digest: `sha256:${e.digest}`, size: e.size, ...(e.metadata ? { metadata: e.metadata } : {}) };
}

/** Whether two file entries are the same file (bytes and metadata). */
export function sameEntry(a: FileEntry, b: FileEntry): boolean {
  return a.digest === b.digest && JSON.stringify(a.metadata ?? null) === JSON.stringify(b.metadata ?? null);
}

const join = (prefix: string, name: string) => (prefix === "" ? name : `${prefix}/${name}`);

/**
 * The changes from tree `a` to tree `b`, in tree order. Equal subtrees have equal digests and are
 * skipped without being read, so the cost grows with the change, not with the trees.
 */
export async function diffTrees(reader: ObjectReader, a: string, b: string, prefix = ""): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  await diffInto(reader, a, b, prefix, out);
  return out;
}

async function diffInto(reader: ObjectReader, a: string, b: string, prefix: string, out: DiffEntry[]): Promise<void> {
  if (a === b) return;
  const [left, right] = await Promise.all([reader.tree(a), reader.tree(b)]);
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const l = left[i];
    const r = right[j];
    if (r === undefined || (l !== undefined && l.name < r.name)) {
      await emitAll(reader, l!, prefix, "deleted", out);
      i++;
    } else if (l === undefined || r.name < l.name) {
      await emitAll(reader, r, prefix, "added", out);
      j++;
    } else {
      const path = join(prefix, l.name);
      if (l.kind === "dir" && r.kind === "dir") await diffInto(reader, l.tree, r.tree, path, out);
      else if (l.kind === "file" && r.kind === "file") {
        if (!sameEntry(l, r))
          out.push({ path, change: "modified", before: toFileInfo(path, l), after: toFileInfo(path, r) });
      } else {
        // A file became a directory or the reverse: the old side is deleted, the new one added.
        await emitAll(reader, l, prefix, "deleted", out);
        await emitAll(reader, r, prefix, "added", out);
      }
      i++;
      j++;
    }
  }
}

async function emitAll(
  reader: ObjectReader,
  entry: FileEntry | { kind: "dir"; name: string; tree: string },
  prefix: string,
  change: "added" | "deleted",
  out: DiffEntry[],
): Promise<void> {
  const path = join(prefix, entry.name);
  const push = (p: string, e: FileEntry) =>
    out.push(
      change === "added" ? { path: p, change, after: toFileInfo(p, e) } : { path: p, change, before: toFileInfo(p, e) },
    );
  if (entry.kind === "file") push(path, entry);
  else for await (const [p, e] of walkTree(reader, entry.tree, path)) push(p, e);
}
