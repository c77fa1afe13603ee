import type { ArtifactStore, Clock, ErrorCode, IdGenerator } from "@mlstack/core";
import { isMlstackError, ManualClock, MemoryArtifactStore } from "@mlstack/core";
import { afterEach, expect } from "vitest";
import type { MetadataCapabilities, MetadataStore } from "../spec.js";

/** What the conformance suite hands to `create`: a fresh implementation must use them. */
export interface MetadataStoreFactoryOptions {
  /** A manual clock, so times are deterministic. */
  clock: Clock;
  /** Run and experiment ids; implementations that cannot take ids may ignore it. */
  ids?: IdGenerator;
  /** The artifact store the suite inspects (and corrupts, to check digest verification). */
  artifacts: ArtifactStore;
}

/** Options of {@link metadataStoreConformance}. */
export interface MetadataStoreConformanceOptions {
  /** Names the describe block. */
  name: string;
  /** Returns a fresh, isolated store on every call. */
  create: (options: MetadataStoreFactoryOptions) => Promise<MetadataStore> | MetadataStore;
  /** The capabilities the implementation declares, where they differ from all on; gates the groups. */
  capabilities?: Partial<MetadataCapabilities>;
}

/** A store under test with the clock and artifact store it was given. */
export interface Fixture {
  store: MetadataStore;
  clock: ManualClock;
  artifacts: MemoryArtifactStore;
}

/** The start of the suite's manual clock. */
export const T0 = 1_700_000_000_000;

/** Returns a function that creates a fixture and stops it after the test. */
export function fixtures(create: MetadataStoreConformanceOptions["create"]): () => Promise<Fixture> {
  const open: MetadataStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.stop?.()));
  });
  return async () => {
    const clock = new ManualClock(T0);
    const artifacts = new MemoryArtifactStore();
    const store = await create({ clock, artifacts });
    open.push(store);
    return { store, clock, artifacts };
  };
}

/** Asserts that `promise` rejects with an MlstackError of `code` and returns it. */
export async function expectCode(
  promise: Promise<unknown>,
  code: ErrorCode,
): Promise<{ details: Readonly<Record<string, unknown>> }> {
  try {
    await promise;
  } catch (error) {
    expect(isMlstackError(error), `expected an MlstackError, got ${String(error)}`).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return error as { details: Readonly<Record<string, unknown>> };
  }
  return expect.fail(`expected ${code}, but the call succeeded`);
}
