import { type ErrorCode, isMlstackError } from "@mlstack/core";
import { expect } from "vitest";
import type { DataCapabilities, DataEngine } from "../spec.js";

/** What every group of the suite receives. */
export interface SuiteContext {
  readonly name: string;
  readonly create: () => DataEngine | Promise<DataEngine>;
  readonly propertyRuns: number;
  /** The capabilities groups are gated on (known before any engine exists). */
  readonly capabilities: DataCapabilities;
}

/** Creates an engine, runs `fn`, and always stops the engine. */
export async function withEngine<T>(ctx: SuiteContext, fn: (engine: DataEngine) => Promise<T>): Promise<T> {
  const engine = await ctx.create();
  try {
    return await fn(engine);
  } finally {
    await engine.stop?.();
  }
}

/** Asserts that a promise rejects with an MlstackError of `code`, and returns the error. */
export async function expectCode(
  promise: Promise<unknown>,
  code: ErrorCode,
): Promise<{ details: Record<string, unknown>; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isMlstackError(error)) throw new Error(`expected MlstackError ${code}, got ${String(error)}`);
    expect(error.code, error.message).toBe(code);
    return error as unknown as { details: Record<string, unknown>; message: string };
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** UTF-8 text of bytes. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
