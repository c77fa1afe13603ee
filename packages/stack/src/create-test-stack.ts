import {
  type ArtifactStore,
  createDeterministicIdGenerator,
  type IdGenerator,
  ManualClock,
  MemoryArtifactStore,
  parseInput,
} from "@mlstack/core";
import { createMemoryDataEngine } from "@mlstack/data";
import { createMemoryFeatureStore } from "@mlstack/features";
import { createMemoryMetadataStore } from "@mlstack/metadata";
import { createMemoryMonitor } from "@mlstack/monitor";
import {
  createFunctionRuntime,
  createLinearModelRuntime,
  createServingEngine,
  type ModelFunction,
} from "@mlstack/serving";
import { type AnyTrainer, createTrainingEngine, inProcessExecutor, linearTrainer } from "@mlstack/training";
import { z } from "zod";
import { defineStack } from "./define-stack.js";
import type { Stack, StackBricks, StackOptions } from "./spec.js";
import { dataInputResolver } from "./wiring/data-input-resolver.js";
import { registryModelResolver } from "./wiring/registry-model-resolver.js";

/** What the bricks of a test stack share, given to a `bricks` function to build overrides on. */
export interface TestStackShared {
  readonly clock: ManualClock;
  readonly ids: IdGenerator;
  readonly artifacts: ArtifactStore;
}

/** Options of {@link createTestStack}. */
export interface TestStackOptions extends Omit<StackOptions, "clock" | "artifacts"> {
  /**
   * Bricks to use instead of the in-memory ones. As an object they keep their own clock and
   * artifacts; as a function they are built on the stack's (`({ clock, artifacts }) => ({ ... })`).
   */
  readonly bricks?: StackBricks | ((shared: TestStackShared) => StackBricks);
  /** Where the manual clock starts (epoch ms); default 2026-01-01T00:00:00Z. */
  readonly startTime?: number;
  /** Seeds the deterministic ids; default `mlstack-test`. */
  readonly seed?: string;
  /** Trainers registered on the training brick besides the reference `linearTrainer`. */
  readonly trainers?: readonly AnyTrainer[];
  /** Models the serving brick's `function` runtime can serve, by name. */
  readonly functions?: Readonly<Record<string, ModelFunction>>;
}

const objectOf = (what: string) =>
  z.custom<object>((v) => typeof v === "object" && v !== null, { message: `expected ${what}` });

// The stack's own options are checked by defineStack; these are the test stack's.
const testStackOptionsSchema = z
  .object({
    bricks: z
      .union([
        objectOf("bricks by slot"),
        z.custom<object>((v) => typeof v === "function", { message: "expected a function" }),
      ])
      .optional(),
    startTime: z.number().int().min(0).max(8.64e15).optional(),
    seed: z.string().min(1).optional(),
    trainers: z.array(objectOf("a trainer")).optional(),
    functions: z
      .record(
        z.string().min(1),
        z.custom<ModelFunction>((v) => typeof v === "function", { message: "expected a function" }),
      )
      .optional(),
  })
  .loose();

/** A stack for tests, with its manual clock and shared artifact store. */
export interface TestStack extends Stack {
  /** Every brick and the stack read time from it: `clock.advance(ms)` moves them all. */
  readonly clock: ManualClock;
  /** The artifact store training, metadata and serving share. */
  readonly artifacts: ArtifactStore;
}

/**
 * A stack with every brick in memory, a manual clock and deterministic ids, wired like a real one:
 * trainers read training sets through the DataEngine, serving resolves model versions through the
 * registry, and training, metadata and serving share one artifact store. For users' integration tests.
 * Started already; `await using stack = await createTestStack()` stops it.
 */
export async function createTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  parseInput(testStackOptionsSchema, options, "test stack options");
  const { bricks: given = {}, startTime, seed, trainers = [], functions = {}, ...stackOptions } = options;
  const clock = new ManualClock(startTime ?? Date.UTC(2026, 0, 1));
  const ids = createDeterministicIdGenerator({ clock, seed: seed ?? "mlstack-test" });
  const artifacts = new MemoryArtifactStore();
  const overrides = typeof given === "function" ? given({ clock, ids, artifacts }) : given;
  const data = overrides.data ?? createMemoryDataEngine({ clock });
  const metadata = overrides.metadata ?? createMemoryMetadataStore({ clock, ids, artifacts });
  const bricks: StackBricks = {
    data,
    features: overrides.features ?? createMemoryFeatureStore({ clock }),
    training:
      overrides.training ??
      createTrainingEngine({
        executor: inProcessExecutor(),
        inputs: dataInputResolver(
          firstBrick(data),
          stackOptions.lineage?.trainingSetRepo === undefined ? {} : { repo: stackOptions.lineage.trainingSetRepo },
        ),
        artifacts,
        clock,
        ids,
        concurrency: 2,
      }),
    serving:
      overrides.serving ??
      createServingEngine({
        artifacts,
        clock,
        idGenerator: ids,
        runtimes: [createLinearModelRuntime(), createFunctionRuntime(functions)],
        resolveModelVersion: registryModelResolver(firstBrick(metadata)),
      }),
    metadata,
    monitor: overrides.monitor ?? createMemoryMonitor({ clock }),
  };
  const stack = defineStack(bricks, { name: "test", ...stackOptions, clock, ids, artifacts });
  if (!overrides.training) {
    const training = stack.brick("training");
    for (const trainer of [linearTrainer, ...trainers]) await training.registerTrainer(trainer);
  }
  await stack.start();
  return Object.assign(stack, { clock, artifacts });
}

function firstBrick<B>(slot: B | { bricks: Readonly<Record<string, B>>; default: string }): B {
  if (typeof slot === "object" && slot !== null && "bricks" in slot && "default" in slot) {
    return slot.bricks[slot.default] as B;
  }
  return slot as B;
}
