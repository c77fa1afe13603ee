import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ArtifactStore,
  isMlstackError,
  LocalArtifactStore,
  MemoryArtifactStore,
  sha256Hex,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlstack-artifacts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: Array<[string, () => ArtifactStore]> = [
  ["memory", () => new MemoryArtifactStore()],
  ["local folder", () => new LocalArtifactStore(mkdtempSync(join(dir, "s-")))],
];

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

describe.each(stores)("ArtifactStore: %s", (_name, create) => {
  it("stores bytes by content and reads them back", async () => {
    const store = create();
    const bytes = new TextEncoder().encode("hello model");
    const ref = await store.put(bytes);
    expect(ref.digest).toBe(`sha256:${sha256Hex(bytes)}`);
    expect(ref.size).toBe(bytes.length);
    expect(Buffer.from(await store.get(ref)).toString()).toBe("hello model");
    expect((await collect(store.stream(ref))).toString()).toBe("hello model");
    expect(await store.put(bytes)).toEqual(ref);
    expect(await store.has(ref)).toBe(true);
  });

  it("accepts a stream of chunks", async () => {
    const store = create();
    async function* chunks() {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array([3]);
    }
    const ref = await store.put(chunks());
    expect(ref.size).toBe(3);
    expect([...(await store.get(ref))]).toEqual([1, 2, 3]);
  });

  it("is NOT_FOUND after delete", async () => {
    const store = create();
    const ref = await store.put(new Uint8Array([9]));
    await store.delete(ref);
    await store.delete(ref);
    expect(await store.has(ref)).toBe(false);
    await expect(store.get(ref)).rejects.toSatisfy((e: unknown) => isMlstackError(e, "NOT_FOUND"));
  });
});

describe("corruption", () => {
  it("is DATA_CORRUPTION in memory", async () => {
    const store = new MemoryArtifactStore();
    const ref = await store.put(new Uint8Array([1, 2, 3]));
    store.corruptForTesting(ref, new Uint8Array([1, 2, 4]));
    await expect(store.get(ref)).rejects.toSatisfy((e: unknown) => isMlstackError(e, "DATA_CORRUPTION"));
  });

  it("is DATA_CORRUPTION on disk, for get and at the end of a stream", async () => {
    const store = new LocalArtifactStore(mkdtempSync(join(dir, "c-")));
    const ref = await store.put(new TextEncoder().encode("original"));
    writeFileSync(fileURLToPath(ref.uri), "tampered");
    await expect(store.get(ref)).rejects.toSatisfy((e: unknown) => isMlstackError(e, "DATA_CORRUPTION"));
    await expect(collect(store.stream(ref))).rejects.toSatisfy((e: unknown) => isMlstackError(e, "DATA_CORRUPTION"));
  });
});
