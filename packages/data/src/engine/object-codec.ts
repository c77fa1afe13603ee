import { createHash } from "node:crypto";
import { canonicalJson, type DataCommitRef, MlstackError } from "@mlstack/core";
import type { CommitOrigin, Metadata } from "../spec.js";

// The object formats of the storage. Every object is addressed by the hex SHA-256 of its bytes; trees,
// manifests and commits are JSON with a fixed key order, so equal content gives an equal digest.

/** A file as a tree records it. `digest` is the SHA-256 of its bytes; big files also name a manifest. */
export interface FileEntry {
  readonly kind: "file";
  readonly name: string;
  readonly digest: string;
  readonly size: number;
  /** The chunk list of a multi-chunk file. */
  readonly manifest?: string;
  readonly metadata?: Metadata;
}

/** A subdirectory as a tree records it. */
export interface DirEntry {
  readonly kind: "dir";
  readonly name: string;
  readonly tree: string;
}

/** One entry of a tree. */
export type TreeEntry = FileEntry | DirEntry;

/** The decoded commit object. */
export interface CommitObject {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: string;
  readonly message: string;
  readonly time: number;
  readonly origin: CommitOrigin;
  readonly provenance: readonly DataCommitRef[];
  readonly metadata: Metadata;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Hex SHA-256 of bytes. */
export function digestOf(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function malformed(what: string, digest: string | undefined, cause?: unknown): MlstackError {
  return new MlstackError("DATA_CORRUPTION", `malformed ${what} object${digest ? ` ${digest}` : ""}`, {
    details: { digest },
    cause,
  });
}

function compareNames(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Encodes a tree; entries are sorted by name so equal trees give equal bytes. */
export function encodeTree(entries: readonly TreeEntry[]): Uint8Array {
  const sorted = [...entries].sort(compareNames);
  const parts = sorted.map((e) =>
    e.kind === "dir"
      ? `[${JSON.stringify(e.name)},"d","${e.tree}"]`
      : `[${JSON.stringify(e.name)},"f","${e.digest}",${e.size},${e.manifest ? `"${e.manifest}"` : "null"},${
          e.metadata ? canonicalJson(e.metadata) : "null"
        }]`,
  );
  return encoder.encode(`{"type":"tree","v":1,"e":[${parts.join(",")}]}`);
}

/** Decodes a tree object. */
export function decodeTree(bytes: Uint8Array, digest?: string): TreeEntry[] {
  let raw: { type?: unknown; e?: unknown };
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw malformed("tree", digest, error);
  }
  if (raw.type !== "tree" || !Array.isArray(raw.e)) throw malformed("tree", digest);
  // A plain loop building each entry in one literal: a cold diff decodes trees of 1,000s of entries,
  // and conditional spreads cost more than the JSON parse.
  const raws = raw.e as unknown[][];
  const entries: TreeEntry[] = new Array(raws.length);
  for (let i = 0; i < raws.length; i++) {
    const e = raws[i] as unknown[];
    if (e[1] === "d") {
      entries[i] = { kind: "dir", name: e[0] as string, tree: e[2] as string };
      continue;
    }
    const manifest = e[4] as string | null;
    const metadata = e[5] as Metadata | null;
    const name = e[0] as string;
    const fileDigest = e[2] as string;
    const size = e[3] as number;
    entries[i] =
      !manifest && !metadata
        ? { kind: "file", name, digest: fileDigest, size }
        : {
            kind: "file",
            name,
            digest: fileDigest,
            size,
            ...(manifest ? { manifest } : {}),
            ...(metadata ? { metadata } : {}),
          };
  }
  return entries;
}

/** Encodes the chunk list of a multi-chunk file. */
export function encodeManifest(chunks: readonly (readonly [string, number])[]): Uint8Array {
  return encoder.encode(`{"type":"manifest","v":1,"chunks":${JSON.stringify(chunks)}}`);
}

/** Decodes a manifest object into `[digest, size]` pairs. */
export function decodeManifest(bytes: Uint8Array, digest?: string): Array<[string, number]> {
  try {
    const raw = JSON.parse(decoder.decode(bytes)) as { type?: unknown; chunks?: unknown };
    if (raw.type === "manifest" && Array.isArray(raw.chunks)) return raw.chunks as Array<[string, number]>;
  } catch (error) {
    throw malformed("manifest", digest, error);
  }
  throw malformed("manifest", digest);
}

/** Encodes a commit object (canonical JSON). */
export function encodeCommit(commit: CommitObject): Uint8Array {
  return encoder.encode(canonicalJson({ type: "commit", v: 1, ...commit }));
}

/** Decodes a commit object. */
export function decodeCommit(bytes: Uint8Array, digest?: string): CommitObject {
  try {
    const raw = JSON.parse(decoder.decode(bytes)) as Record<string, unknown> & CommitObject;
    if (raw.type === "commit" && typeof raw.tree === "string" && Array.isArray(raw.parents)) {
      return {
        tree: raw.tree,
        parents: raw.parents,
        author: raw.author,
        message: raw.message,
        time: raw.time,
        origin: raw.origin,
        provenance: raw.provenance ?? [],
        metadata: raw.metadata ?? {},
      };
    }
  } catch (error) {
    throw malformed("commit", digest, error);
  }
  throw malformed("commit", digest);
}

/** Encodes any JSON record object (repo settings, caches, pipeline states). */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

/** Decodes a JSON record object. */
export function decodeJson<T>(bytes: Uint8Array, what: string, digest?: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (error) {
    throw malformed(what, digest, error);
  }
}

/** The empty tree, the root of every new repo. */
export const EMPTY_TREE_BYTES: Uint8Array = encodeTree([]);
/** Digest of {@link EMPTY_TREE_BYTES}. */
export const EMPTY_TREE: string = digestOf(EMPTY_TREE_BYTES);
