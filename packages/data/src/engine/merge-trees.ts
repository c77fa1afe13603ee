import { isMlstackError } from "@mlstack/core";
import type { DiffEntry, MergeStrategy } from "../spec.js";
import { diffTrees } from "./diff-trees.js";
import type { FileEntry } from "./object-codec.js";
import type { ObjectReader } from "./object-reader.js";
import type { WorkingTree } from "./working-tree.js";

/** The outcome of a three-way tree merge into a working tree of the destination. */
export interface TreeMergeOutcome {
  /** Paths changed differently on both sides, sorted. */
  readonly conflicts: string[];
}

function sameOutcome(a: DiffEntry, b: DiffEntry): boolean {
  if (a.after === undefined || b.after === undefined) return a.after === b.after;
  return (
    a.after.digest === b.after.digest &&
    JSON.stringify(a.after.metadata ?? null) === JSON.stringify(b.after.metadata ?? null)
  );
}

/**
 * Three-way merge from the merge base. A path changed on one side only takes that side; changed the
 * same way on both is fine; changed differently (or modified on one side and deleted on the other) is
 * a conflict, resolved by `strategy` or reported. `dest` is a working tree of the destination head;
 * `entryOf` finds a file's stored entry on the source side.
 */
export async function mergeTrees(
  reader: ObjectReader,
  base: string,
  source: string,
  destTree: string,
  dest: WorkingTree,
  strategy: MergeStrategy,
  entryOf: (path: string) => Promise<FileEntry>,
): Promise<TreeMergeOutcome> {
  const [sourceChanges, destChanges] = await Promise.all([
    diffTrees(reader, base, source),
    diffTrees(reader, base, destTree),
  ]);
  const destByPath = new Map(destChanges.map((c) => [c.path, c]));
  const conflicts: string[] = [];
  for (const change of sourceChanges) {
    const other = destByPath.get(change.path);
    let take = other === undefined;
    if (other !== undefined && !sameOutcome(change, other)) {
      conflicts.push(change.path);
      take = strategy === "source-wins";
    }
    if (!take) continue;
    const segments = change.path.split("/");
    if (change.after === undefined) {
      await dest.remove(segments);
      continue;
    }
    const { name: _n, kind: _k, ...entry } = await entryOf(change.path);
    try {
      await dest.setFile(segments, entry);
    } catch (error) {
      // A file on one side where the other has a directory (or the reverse).
      if (!isMlstackError(error, "FAILED_PRECONDITION")) throw error;
      if (!conflicts.includes(change.path)) conflicts.push(change.path);
      if (strategy === "source-wins") {
        for (let i = 1; i <= segments.length; i++) {
          const at = segments.slice(0, i);
          if (i === segments.length || (await dest.file(at))) await dest.remove(at);
        }
        await dest.setFile(segments, entry);
      }
    }
  }
  return { conflicts: conflicts.sort() };
}
