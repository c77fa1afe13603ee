import { createHash, randomUUID } from "node:crypto";
import { type FileHandle, link, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MlstackError } from "@mlstack/core";
import type { DataStorage, ObjectStorage, RefEntry, RefStorage, StoredObject } from "./spec.js";

/** Options of {@link FilesystemDataStorage}. */
export interface FilesystemStorageOptions {
  /** The folder that holds the repositories; created when missing. */
  root: string;
}

const IDX_ENTRY = 32 + 6 + 4;
const IOV_MAX = 1024;

function unavailable(what: string, cause: unknown): MlstackError {
  return new MlstackError("UNAVAILABLE", `filesystem storage: cannot ${what}`, { cause, retryable: true });
}

const isErrno = (error: unknown, code: string) => (error as NodeJS.ErrnoException)?.code === code;

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file under a temporary name with fsync; the caller renames or links it into place. */
async function writeDurable(path: string, buffers: readonly Uint8Array[]): Promise<void> {
  const handle = await open(path, "w");
  try {
    for (let i = 0; i < buffers.length; i += IOV_MAX)
      await handle.writev(buffers.slice(i, i + IOV_MAX) as Uint8Array[]);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isErrno(error, "ESRCH");
  }
}

interface Location {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Objects in pack files: each `put` batch becomes one `<id>.pack` (the bytes) plus `<id>.idx` (digest,
 * offset, length, and a checksum), written to temporary files, fsynced and renamed, pack first: an
 * index present means its pack is complete. Many small files cost two files per batch, not one each.
 * Other processes' packs are picked up when a lookup misses. Deleting rewrites the packs concerned.
 */
export class FilesystemObjectStorage implements ObjectStorage {
  readonly #packs: string;
  readonly #tmp: string;
  readonly #index = new Map<string, Location>();
  readonly #packEntries = new Map<string, string[]>();
  readonly #handles = new Map<string, Promise<FileHandle>>();
  #ready: Promise<void> | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(root: string) {
    this.#packs = join(root, "objects", "packs");
    this.#tmp = join(root, "tmp");
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.#packs, { recursive: true });
      await mkdir(this.#tmp, { recursive: true });
      await this.#sweep();
      await this.#refresh();
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw unavailable("open the object folder", error);
    });
    return this.#ready;
  }

  // Removes what killed processes left half-done: temporary files, and packs renamed without an index.
  async #sweep(): Promise<void> {
    const deadLeftover = (name: string) => {
      const pid = Number(name.split("-")[0]);
      return Number.isInteger(pid) && pid > 0 && !pidAlive(pid);
    };
    for (const name of await readdir(this.#tmp))
      if (deadLeftover(name)) await unlink(join(this.#tmp, name)).catch(() => {});
    const names = new Set(await readdir(this.#packs));
    for (const name of names) {
      if (name.endsWith(".pack") && !names.has(name.replace(/\.pack$/, ".idx")) && deadLeftover(name)) {
        await unlink(join(this.#packs, name)).catch(() => {});
      }
    }
  }

  async #loadIdx(pack: string): Promise<void> {
    const bytes = await readFile(join(this.#packs, `${pack}.idx`));
    const body = bytes.subarray(0, bytes.length - 32);
    const sum = createHash("sha256").update(body).digest();
    if (body.length % IDX_ENTRY !== 0 || !sum.equals(bytes.subarray(bytes.length - 32))) {
      throw new MlstackError("DATA_CORRUPTION", `pack index ${pack}.idx is damaged`, { details: { pack } });
    }
    const digests: string[] = [];
    for (let at = 0; at < body.length; at += IDX_ENTRY) {
      const digest = body.toString("hex", at, at + 32);
      digests.push(digest);
      this.#index.set(digest, { pack, offset: body.readUIntBE(at + 32, 6), length: body.readUInt32BE(at + 38) });
    }
    this.#packEntries.set(pack, digests);
  }

  // Loads indexes of packs written since the last look; rebuilds when a pack has gone (another gc).
  #refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      const present = new Set(
        (await readdir(this.#packs)).filter((n) => n.endsWith(".idx")).map((n) => n.slice(0, -".idx".length)),
      );
      if ([...this.#packEntries.keys()].some((p) => !present.has(p))) {
        this.#index.clear();
        this.#packEntries.clear();
      }
      for (const pack of present) {
        if (this.#packEntries.has(pack)) continue;
        try {
          await this.#loadIdx(pack);
        } catch (error) {
          if (!isErrno(error, "ENOENT")) throw error;
        }
      }
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async has(digest: string): Promise<boolean> {
    await this.#init();
    return this.#index.has(digest);
  }

  #handle(pack: string): Promise<FileHandle> {
    let handle = this.#handles.get(pack);
    if (!handle) {
      handle = open(join(this.#packs, `${pack}.pack`), "r");
      handle.catch(() => this.#handles.delete(pack));
      this.#handles.set(pack, handle);
    }
    return handle;
  }

  async get(digest: string): Promise<Uint8Array | undefined> {
    await this.#init();
    for (let attempt = 0; attempt < 2; attempt++) {
      let location = this.#index.get(digest);
      if (!location) {
        await this.#refresh().catch((e: unknown) => {
          throw unavailable("list packs", e);
        });
        location = this.#index.get(digest);
        if (!location) return undefined;
      }
      try {
        const handle = await this.#handle(location.pack);
        // Not from Buffer's shared pool: the bytes may be handed to a caller as a plain Uint8Array.
        const buffer = Buffer.allocUnsafeSlow(location.length);
        const { bytesRead } = await handle.read(buffer, 0, location.length, location.offset);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
      } catch (error) {
        // The pack was rewritten by a gc in another process: reload the indexes once and retry.
        if (!isErrno(error, "ENOENT") || attempt > 0) throw unavailable(`read object ${digest}`, error);
        this.#index.clear();
        this.#packEntries.clear();
      }
    }
    return undefined;
  }

  async #writePack(objects: readonly StoredObject[]): Promise<void> {
    const pack = `${process.pid}-${randomUUID()}`;
    const idx = Buffer.alloc(objects.length * IDX_ENTRY + 32);
    let offset = 0;
    objects.forEach((o, i) => {
      const at = i * IDX_ENTRY;
      idx.write(o.digest, at, 32, "hex");
      idx.writeUIntBE(offset, at + 32, 6);
      idx.writeUInt32BE(o.bytes.length, at + 38);
      offset += o.bytes.length;
    });
    createHash("sha256")
      .update(idx.subarray(0, idx.length - 32))
      .digest()
      .copy(idx, idx.length - 32);
    const tmpPack = join(this.#tmp, `${pack}.pack`);
    const tmpIdx = join(this.#tmp, `${pack}.idx`);
    try {
      await writeDurable(
        tmpPack,
        objects.map((o) => o.bytes),
      );
      await writeDurable(tmpIdx, [idx]);
      await rename(tmpPack, join(this.#packs, `${pack}.pack`));
      await rename(tmpIdx, join(this.#packs, `${pack}.idx`));
      await fsyncPath(this.#packs);
    } catch (error) {
      await unlink(tmpPack).catch(() => {});
      await unlink(tmpIdx).catch(() => {});
      throw unavailable("write a pack", error);
    }
    offset = 0;
    const digests: string[] = [];
    for (const o of objects) {
      this.#index.set(o.digest, { pack, offset, length: o.bytes.length });
      digests.push(o.digest);
      offset += o.bytes.length;
    }
    this.#packEntries.set(pack, digests);
  }

  async put(objects: readonly StoredObject[]): Promise<void> {
    await this.#init();
    const fresh = new Map<string, StoredObject>();
    for (const o of objects) if (!this.#index.has(o.digest) && !fresh.has(o.digest)) fresh.set(o.digest, o);
    if (fresh.size > 0) await this.#writePack([...fresh.values()]);
  }

  async *list(): AsyncIterable<string> {
    await this.#init();
    await this.#refresh();
    yield* [...this.#index.keys()];
  }

  async delete(digests: readonly string[]): Promise<void> {
    await this.#init();
    await this.#refresh();
    const doomed = new Set(digests);
    for (const [pack, entries] of [...this.#packEntries]) {
      if (!entries.some((d) => doomed.has(d))) continue;
      const keep: StoredObject[] = [];
      for (const d of entries) {
        if (doomed.has(d) || this.#index.get(d)?.pack !== pack) continue;
        const bytes = await this.get(d);
        if (bytes) keep.push({ digest: d, bytes });
      }
      // Survivors are written to a new pack before the old one goes, so a crash loses nothing.
      if (keep.length > 0) await this.#writePack(keep);
      try {
        await unlink(join(this.#packs, `${pack}.idx`));
        await unlink(join(this.#packs, `${pack}.pack`));
      } catch (error) {
        if (!isErrno(error, "ENOENT")) throw unavailable(`delete pack ${pack}`, error);
      }
      const handle = this.#handles.get(pack);
      this.#handles.delete(pack);
      await handle?.then((h) => h.close()).catch(() => {});
      this.#packEntries.delete(pack);
      for (const d of entries) if (this.#index.get(d)?.pack === pack) this.#index.delete(d);
    }
    await fsyncPath(this.#packs).catch(() => {});
  }

  /** Closes open pack files. */
  async close(): Promise<void> {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(handles.map((h) => h.then((x) => x.close()).catch(() => {})));
  }
}

const SEQ_DIGITS = 12;
const seqName = (seq: number) => String(seq).padStart(SEQ_DIGITS, "0");
const encodeRef = (name: string) => encodeURIComponent(name).replace(/\./g, "%2E");

/**
 * Refs as append-only sequences of files: `refs/<name>/<000000000001>`, the highest number holds the
 * value (empty for a deleted ref). Compare-and-swap writes the next number with `link()`, which fails
 * if the file exists, so two processes can never both move a ref from the same value, and there is no
 * lock a killed process could leave behind. Numbers are never reused (the history is a reflog).
 */
export class FilesystemRefStorage implements RefStorage {
  readonly #refs: string;
  readonly #tmp: string;
  // The last seen number and value per ref: values under a number never change, so only newer
  // numbers need probing.
  readonly #seen = new Map<string, { seq: number; value: string | undefined }>();

  constructor(root: string) {
    this.#refs = join(root, "refs");
    this.#tmp = join(root, "tmp");
  }

  async #current(name: string): Promise<{ seq: number; value: string | undefined }> {
    const dir = join(this.#refs, encodeRef(name));
    let known = this.#seen.get(name);
    if (known === undefined) {
      let seq = 0;
      try {
        for (const n of await readdir(dir)) if (/^\d+$/.test(n)) seq = Math.max(seq, Number(n));
      } catch (error) {
        if (!isErrno(error, "ENOENT")) throw unavailable(`read ref ${name}`, error);
      }
      known = { seq, value: undefined };
      if (seq > 0) known = { seq, value: (await readFile(join(dir, seqName(seq)), "utf8")) || undefined };
    }
    for (;;) {
      let value: string;
      try {
        value = await readFile(join(dir, seqName(known.seq + 1)), "utf8");
      } catch (error) {
        if (isErrno(error, "ENOENT")) break;
        throw unavailable(`read ref ${name}`, error);
      }
      known = { seq: known.seq + 1, value: value || undefined };
    }
    this.#seen.set(name, known);
    return known;
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.#current(name)).value;
  }

  async cas(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    if (next === "") throw new MlstackError("INVALID_ARGUMENT", "a ref value cannot be empty");
    const current = await this.#current(name);
    if (current.value !== expected) return false;
    if (expected === undefined && next === undefined) return true;
    const dir = join(this.#refs, encodeRef(name));
    const tmp = join(this.#tmp, `${process.pid}-${randomUUID()}.ref`);
    try {
      await mkdir(dir, { recursive: true });
      await mkdir(this.#tmp, { recursive: true });
      await writeDurable(tmp, [Buffer.from(next ?? "", "utf8")]);
      try {
        await link(tmp, join(dir, seqName(current.seq + 1)));
      } catch (error) {
        if (isErrno(error, "EEXIST")) return false;
        throw error;
      }
      await fsyncPath(dir);
      this.#seen.set(name, { seq: current.seq + 1, value: next });
      return true;
    } catch (error) {
      throw unavailable(`update ref ${name}`, error);
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  async list(prefix: string): Promise<RefEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.#refs)).map((n) => decodeURIComponent(n));
    } catch (error) {
      if (isErrno(error, "ENOENT")) return [];
      throw unavailable("list refs", error);
    }
    const out: RefEntry[] = [];
    for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
      const value = await this.get(name);
      if (value !== undefined) out.push({ name, value });
    }
    return out;
  }
}

/**
 * The embedded persistent storage: a folder holding `objects/packs`, `refs` and `tmp`. Writes are
 * atomic (temporary file, fsync, rename or link); a process killed at any point leaves every ref at
 * its old or its new value, and every object a ref reaches complete. Several processes may share it.
 */
export class FilesystemDataStorage implements DataStorage {
  readonly name = "filesystem";
  readonly persistent = true;
  /** The absolute root folder. */
  readonly root: string;
  readonly objects: FilesystemObjectStorage;
  readonly refs: FilesystemRefStorage;

  constructor(options: FilesystemStorageOptions) {
    if (typeof options?.root !== "string" || options.root === "") {
      throw new MlstackError("INVALID_ARGUMENT", "filesystem storage needs a root folder");
    }
    this.root = resolve(options.root);
    this.objects = new FilesystemObjectStorage(this.root);
    this.refs = new FilesystemRefStorage(this.root);
  }

  async close(): Promise<void> {
    await this.objects.close();
  }
}
