import { type ErrorCode, isMlstackError, ManualClock } from "@mlstack/core";
import { afterEach, expect } from "vitest";
import type { Monitor, MonitorCapabilities } from "../spec.js";

/** The golden drift cases (numpy/scipy values), as in `shared/golden/drift.json`. */
export interface DriftGolden {
  definitions: Record<string, string>;
  cases: DriftGoldenCase[];
}

/** One golden case; numeric cases carry KS, Wasserstein, PSI and JS values, categorical ones chi-square. */
export interface DriftGoldenCase {
  name: string;
  kind: "numeric" | "categorical";
  reference: (number | string)[];
  current: (number | string)[];
  [statistic: string]: unknown;
}

/** Options of {@link monitorConformance}. */
export interface MonitorConformanceOptions {
  /** Shown in the test names. */
  name: string;
  /** A fresh, isolated monitor per call, using the given clock. */
  create: (context: { clock: ManualClock }) => Promise<Monitor>;
  /** The capabilities the implementation declares; default all on. */
  capabilities?: Partial<MonitorCapabilities>;
  /** The golden values; without them the golden group is skipped. */
  golden?: DriftGolden;
}

/** A monitor with its manual clock, stopped after the test. */
export interface Fixture {
  monitor: Monitor;
  clock: ManualClock;
}

/** Creates fixtures and stops every monitor made during a test after it. */
export function fixtures(create: MonitorConformanceOptions["create"]): () => Promise<Fixture> {
  const made: Monitor[] = [];
  afterEach(async () => {
    for (const m of made.splice(0)) await m.stop?.();
  });
  return async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const monitor = await create({ clock });
    made.push(monitor);
    return { monitor, clock };
  };
}

/** Asserts that a promise rejects with an MlstackError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(isMlstackError(error), `expected an MlstackError, got ${String(error)}`).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return;
  }
  expect.fail(`expected ${code}, but the call succeeded`);
}

/** Relative closeness: |a − b| ≤ rel·|b| or ≤ abs. */
export function expectClose(actual: number | undefined, expected: number, rel: number, abs = 0): void {
  expect(actual, `expected ${expected}`).toBeTypeOf("number");
  const diff = Math.abs((actual as number) - expected);
  expect(diff <= rel * Math.abs(expected) || diff <= abs, `${actual} is not within ${rel} of ${expected}`).toBe(true);
}

/** The deployment ref the suites use. */
export const DEPLOYMENT = { kind: "deployment", name: "churn" } as const;
/** One hour, the window of the suites. */
export const HOUR = 3_600_000;
