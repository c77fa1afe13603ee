import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  hashValue,
  parseRefKey,
  type Ref,
  refKey,
  refSchema,
  sameRef,
  sha256Hex,
} from "../src/index.js";

const digest = `sha256:${"ab".repeat(32)}`;
const examples: Ref[] = [
  { kind: "data-commit", repo: "loans", commit: "c0ffee" },
  { kind: "data-file", repo: "loans", commit: "c0ffee", path: "raw/2024/01.csv", digest },
  { kind: "feature-view", name: "user_stats" },
  { kind: "feature-view", name: "user_stats", definitionHash: "abc" },
  { kind: "training-set", id: "ts-1", contentHash: "f00" },
  { kind: "training-job", jobId: "job/7" },
  { kind: "run", runId: "r-1" },
  { kind: "artifact", uri: "file:///tmp/a b/model.json", digest, size: 120 },
  { kind: "model-version", model: "fraud model", version: "3" },
  { kind: "deployment", name: "fraud" },
  { kind: "deployment", name: "fraud", revision: 2 },
  { kind: "monitor-window", deployment: "fraud", start: 0, end: 60_000 },
];

describe("refs", () => {
  it("validate with the zod schema", () => {
    for (const ref of examples) expect(refSchema.parse(ref)).toEqual(ref);
    expect(refSchema.safeParse({ kind: "artifact", uri: "x", digest: "md5:1", size: 1 }).success).toBe(false);
    expect(refSchema.safeParse({ kind: "nope" }).success).toBe(false);
  });

  it("have distinct stable keys that parse back", () => {
    const keys = examples.map(refKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const ref of examples) expect(parseRefKey(refKey(ref))).toEqual(ref);
    expect(refKey(examples[0]!)).toBe("data-commit:loans@c0ffee");
    expect(() => parseRefKey("garbage")).toThrowError(/not a ref key/);
  });

  it("round-trip arbitrary names through their keys", () => {
    const name = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(name, name, name, (repo, commit, path) => {
        const ref: Ref = { kind: "data-file", repo, commit, path };
        return sameRef(parseRefKey(refKey(ref)), ref);
      }),
    );
  });
});

describe("canonical hashing", () => {
  it("ignores key order and undefined, distinguishes special numbers and bytes", () => {
    expect(canonicalJson({ b: 1, a: [true, null], c: undefined })).toBe('{"a":[true,null],"b":1}');
    expect(hashValue({ x: 1, y: 2 })).toBe(hashValue({ y: 2, x: 1 }));
    expect(canonicalJson(Number.NaN)).not.toBe(canonicalJson(null));
    expect(canonicalJson(Number.POSITIVE_INFINITY)).not.toBe(canonicalJson(Number.NEGATIVE_INFINITY));
    expect(canonicalJson(new Uint8Array([1, 2]))).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson(10n)).toBe('{"$bigint":"10"}');
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("rejects cycles and functions", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrowError(/cyclic/);
    expect(() => canonicalJson({ f: () => 1 })).toThrowError();
  });
});
