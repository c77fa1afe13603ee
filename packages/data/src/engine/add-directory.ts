import { createHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { setImmediate } from "node:timers/promises";
import { hashValue, MlstackError } from "@mlstack/core";
import PQueue from "p-queue";
import type { AddDirectoryResult } from "../spec.js";
import type { ReferenceDataEngine } from "./data-engine.js";
import { normalizePath } from "./normalize-path.js";
import { ObjectWriter } from "./object-writer.js";
import { type WrittenFile, writeFile } from "./write-file.js";

/** A stat-cache record: size, mtime, ctime, inode, then the stored file. */
type CacheRecord = [number, number, number, number, string, string | null];

interface StatCache {
  readonly v: 1;
  readonly files: Record<string, CacheRecord>;
}

// Small files are read with one synchronous call each, in slices: for 1 KiB files the thread-pool
// round trip of an async read costs more than the read. Bigger files are streamed, a few at a time.
const SMALL_FILE = 1024 * 1024;
const SLICE = 256;
// A file modified this close to the scan could change again within the file system's timestamp
// granularity without changing its stat: it is hashed now but not cached (git's "racily clean").
const RACY_MS = 100;

async function scan(root: string, rel: string, out: string[]): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(rel === "" ? root : `${root}${sep}${rel}`, { withFileTypes: true });
  } catch (error) {
    throw new MlstackError("NOT_FOUND", `cannot read local folder ${root}${rel ? `/${rel}` : ""}`, { cause: error });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    // readdir names hold no "/" or NUL and are never "." or ".."; a backslash is the one invalid character left.
    if (e.name.includes("\\")) normalizePath(path);
    if (e.isDirectory()) await scan(root, path, out);
    else if (e.isFile()) out.push(path);
    // Symbolic links, sockets and devices are not data: skipped.
  }
}

function sameStat(r: CacheRecord | undefined, s: Stats): r is CacheRecord {
  return r !== undefined && r[0] === s.size && r[1] === s.mtimeMs && r[2] === s.ctimeMs && r[3] === s.ino;
}

/**
 * Commits a local folder as the subtree at `prefix`, made equal to the folder: new and changed files
 * are stored, files gone from the folder are deleted. A stat cache (size, mtime, ctime, inode) kept in
 * the storage skips reading files that did not change since the last call for the same folder.
 */
export async function addDirectory(
  engine: ReferenceDataEngine,
  repo: string,
  branch: string,
  localPath: string,
  options: {
    message?: string | undefined;
    author?: string | undefined;
    prefix?: string | undefined;
    expectedHead?: string | undefined;
    allowEmpty?: boolean | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<AddDirectoryResult> {
  if (typeof localPath !== "string" || localPath === "")
    throw new MlstackError("INVALID_ARGUMENT", "localPath must be a path");
  const root = resolve(localPath);
  const prefix = normalizePath(options.prefix ?? "", { directory: true });
  const settings = await engine.repoInfo(repo);
  const signal = options.signal;
  const scanStart = engine.clock.now();

  const files: string[] = [];
  await scan(root, "", files);
  const task = `addDirectory:${repo}/${branch}`;
  engine.progress(task, 0, files.length, "files");

  const cacheRef = `statcache/${repo}/${hashValue({ root, prefix, branch })}`;
  const cacheDigest = await engine.storage.refs.get(cacheRef);
  const memoKey = `statcache:${cacheDigest}`;
  let cache = engine.memo.get(memoKey) as StatCache | undefined;
  if (cache === undefined && cacheDigest !== undefined) {
    cache = await engine.getJson<StatCache>(cacheDigest, "stat cache").catch(() => undefined);
  }

  // The files of the branch under the prefix now: a cached digest found there needs no storage lookup.
  const join = (rel: string) => (prefix === "" ? rel : `${prefix}/${rel}`);
  const baseHead = await engine.head(repo, branch);
  const baseList = await engine.listPrefix((await engine.commitObject(baseHead)).tree, prefix);
  const inBase = new Map<string, string>();
  for (const [path, entry] of baseList) {
    if (entry.metadata === undefined) inBase.set(path, entry.manifest ?? entry.digest);
  }
  const results: WrittenFile[] = new Array(files.length);
  const next: Record<string, CacheRecord> = {};
  let hashed = 0;
  let reused = 0;
  let done = 0;
  const writer = new ObjectWriter(engine.storage.objects);
  const remember = (rel: string, s: Stats, w: WrittenFile) => {
    if (s.mtimeMs < scanStart - RACY_MS && s.ctimeMs < scanStart - RACY_MS) {
      next[rel] = [s.size, s.mtimeMs, s.ctimeMs, s.ino, w.digest, w.manifest ?? null];
    }
  };
  const reuse = async (rel: string, s: Stats): Promise<WrittenFile | undefined> => {
    const r = cache?.files[rel];
    if (!sameStat(r, s)) return undefined;
    // The cache only saves reading; the objects must still be stored (a gc may have removed them).
    const stored = r[5] ?? r[4];
    if (inBase.get(join(rel)) !== stored && !(await engine.storage.objects.has(stored))) return undefined;
    return r[5] ? { digest: r[4], size: r[0], manifest: r[5] } : { digest: r[4], size: r[0] };
  };
  const queue = new PQueue({ concurrency: 4 });
  const processSlice = async (start: number, end: number) => {
    for (let i = start; i < end; i++) {
      if (signal?.aborted) throw new MlstackError("CANCELLED", "addDirectory was aborted", { cause: signal.reason });
      const rel = files[i] as string;
      const abs = `${root}${sep}${rel.split("/").join(sep)}`;
      let s: Stats;
      let w: WrittenFile | undefined;
      let fd: number | undefined;
      try {
        // Without a cache entry the file is read anyway: open it once and take its stat from the handle.
        if (cache?.files[rel] === undefined) {
          fd = openSync(abs, "r");
          s = fstatSync(fd);
        } else s = statSync(abs);
        w = await reuse(rel, s);
        if (w) reused++;
        else if (s.size <= SMALL_FILE) {
          fd ??= openSync(abs, "r");
          // Pooled for small sizes: much cheaper than a fresh allocation per 1 KiB file.
          const bytes = Buffer.allocUnsafe(s.size);
          const n = s.size === 0 ? 0 : readSync(fd, bytes, 0, s.size, 0);
          const data = bytes.subarray(0, n);
          if (n <= settings.chunking.min) {
            // One chunk for sure: hash once, store under the file's digest.
            const digest = createHash("sha256").update(data).digest("hex");
            await writer.add(digest, data, true);
            w = { digest, size: n };
          } else w = await writeFile(data, settings.chunking, writer, signal, true);
          hashed++;
        }
      } catch (error) {
        if (error instanceof MlstackError) throw error;
        throw new MlstackError("CONFLICT", `${rel} changed while the folder was read`, {
          cause: error,
          retryable: true,
        });
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      if (w === undefined) {
        const stat = s;
        queue.add(async () => {
          const streamed = await writeFile(createReadStream(abs), settings.chunking, writer, signal);
          results[i] = streamed;
          remember(rel, stat, streamed);
          hashed++;
        });
        continue;
      }
      results[i] = w;
      remember(rel, s, w);
      if (++done % 1000 === 0) engine.progress(task, done, files.length, "files");
    }
  };
  for (let start = 0; start < files.length; start += SLICE) {
    await queue.add(() => processSlice(start, Math.min(files.length, start + SLICE)));
    // Let timers and I/O run between slices of synchronous reads.
    await setImmediate();
  }
  await queue.onIdle();
  await writer.flush();
  engine.progress(task, files.length, files.length, "files");

  const present = new Set(files.map(join));
  let added = 0;
  let modified = 0;
  let deleted = 0;
  const { commit } = await engine.commitWith(
    repo,
    branch,
    async (tx, base) => {
      // Only paths that differ from the base tree are touched, so unchanged directories keep their trees.
      const before = new Map<string, string>();
      // The listing made before hashing is still right unless the branch moved meanwhile.
      const list = base.id === baseHead ? baseList : await engine.listPrefix(base.commit.tree, prefix);
      for (const [path, entry] of list) {
        if (!present.has(path)) {
          if (await tx.remove(path)) deleted++;
        } else if (entry.metadata === undefined) before.set(path, entry.digest);
      }
      const changed: Array<{ path: string; entry: WrittenFile }> = [];
      for (let i = 0; i < files.length; i++) {
        const path = join(files[i] as string);
        const entry = results[i] as WrittenFile;
        if (before.get(path) !== entry.digest) changed.push({ path, entry });
      }
      for (const outcome of await tx.putEntries(changed)) {
        if (outcome === "added") added++;
        else if (outcome === "modified") modified++;
      }
    },
    {
      message: options.message ?? `add ${root}`,
      author: options.author,
      expectedHead: options.expectedHead,
      allowEmpty: options.allowEmpty,
      signal,
    },
  );

  const nextCache: StatCache = { v: 1, files: next };
  const nextDigest = await engine.putJson(nextCache, false);
  // Another process may have saved its own cache meanwhile; either is valid, so losing the race is fine.
  if (await engine.storage.refs.cas(cacheRef, cacheDigest, nextDigest)) {
    engine.memo.delete(memoKey);
    engine.memo.set(`statcache:${nextDigest}`, nextCache);
  }
  return { commit, files: files.length, hashed, reused, added, modified, deleted };
}
