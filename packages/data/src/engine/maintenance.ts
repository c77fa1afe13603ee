import type { FsckProblem, FsckReport, GcReport } from "../spec.js";
import type { ReferenceDataEngine } from "./data-engine.js";
import { decodeCommit, decodeManifest, decodeTree } from "./object-codec.js";

/** Calls `visit` on every object reachable from a ref: branch heads fully, other refs' own objects. */
async function traverse(
  engine: ReferenceDataEngine,
  visit: (digest: string, what: string, from: string) => Promise<Uint8Array | undefined>,
): Promise<Set<string>> {
  const seen = new Set<string>();
  const once = async (digest: string, what: string, from: string) => {
    if (seen.has(digest)) return undefined;
    seen.add(digest);
    return visit(digest, what, from);
  };
  for (const ref of await engine.storage.refs.list("")) {
    if (!ref.name.startsWith("heads/")) {
      // Repo settings, stat caches and pipeline states: kept, their contents are not object links.
      await once(ref.value, ref.name.split("/")[0] as string, ref.name);
      continue;
    }
    const commits = [ref.value];
    while (commits.length > 0) {
      const id = commits.pop() as string;
      const bytes = await once(id, "commit", ref.name);
      if (bytes === undefined) continue;
      const commit = decodeCommit(bytes, id);
      commits.push(...commit.parents);
      const trees = [commit.tree];
      while (trees.length > 0) {
        const t = trees.pop() as string;
        const tree = await once(t, "tree", ref.name);
        if (tree === undefined) continue;
        for (const e of decodeTree(tree, t)) {
          if (e.kind === "dir") trees.push(e.tree);
          else if (e.manifest === undefined) await once(e.digest, "file", ref.name);
          else {
            const manifest = await once(e.manifest, "manifest", ref.name);
            if (manifest === undefined) continue;
            for (const [chunk] of decodeManifest(manifest, e.manifest)) await once(chunk, "chunk", ref.name);
          }
        }
      }
    }
  }
  return seen;
}

/** Deletes every object no ref reaches. Run with the engine's gate held exclusively. */
export async function gc(engine: ReferenceDataEngine): Promise<GcReport> {
  // Links are read (and verified: a damaged link stops gc rather than losing what it reaches); leaves are not.
  const reachable = await traverse(engine, async (digest, what) =>
    what === "commit" || what === "tree" || what === "manifest" ? engine.reader.get(digest, what) : undefined,
  );
  const garbage: string[] = [];
  for await (const digest of engine.storage.objects.list()) if (!reachable.has(digest)) garbage.push(digest);
  await engine.storage.objects.delete(garbage);
  return { reachable: reachable.size, deleted: garbage.length };
}

/** Reads and verifies every reachable object, reporting problems instead of stopping at the first. */
export async function fsck(engine: ReferenceDataEngine): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const seen = await traverse(engine, async (digest, what, from) => {
    try {
      const bytes = await engine.reader.get(digest, what);
      if (what === "commit") decodeCommit(bytes, digest);
      else if (what === "tree") decodeTree(bytes, digest);
      else if (what === "manifest") decodeManifest(bytes, digest);
      // Only links are followed; leaves need not be returned.
      return what === "commit" || what === "tree" || what === "manifest" ? bytes : undefined;
    } catch (error) {
      const detail = (error as { details?: { problem?: string } }).details?.problem;
      problems.push({
        object: digest,
        problem: detail === "missing" ? "missing" : detail === "corrupt" ? "corrupt" : "malformed",
        reachedFrom: from,
      });
      return undefined;
    }
  });
  return { ok: problems.length === 0, objectsChecked: seen.size, problems };
}
