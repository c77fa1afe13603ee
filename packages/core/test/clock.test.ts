import { describe, expect, it } from "vitest";
import { isMlstackError, ManualClock, SystemClock } from "../src/index.js";

describe("ManualClock", () => {
  it("starts where told and only moves forward", () => {
    const clock = new ManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(5);
    expect(clock.now()).toBe(1005);
    clock.set(2000);
    expect(clock.now()).toBe(2000);
    expect(() => clock.set(1999)).toThrowError(/backwards/);
    expect(() => clock.advance(-1)).toThrowError();
  });

  it("wakes sleepers in order of wake time, ties in order of sleeping", async () => {
    const clock = new ManualClock(0);
    const woke: string[] = [];
    const sleep = (label: string, ms: number) => clock.sleep(ms).then(() => woke.push(label));
    const all = Promise.all([sleep("c30", 30), sleep("a10", 10), sleep("b10", 10), sleep("d50", 50)]);
    expect(clock.pendingSleepers).toBe(4);
    clock.advance(9);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advance(21);
    await new Promise((r) => setImmediate(r));
    expect(woke).toEqual(["a10", "b10", "c30"]);
    clock.advance(100);
    await all;
    expect(woke).toEqual(["a10", "b10", "c30", "d50"]);
    expect(clock.pendingSleepers).toBe(0);
  });

  it("resolves a zero sleep at once and rejects an aborted sleep with CANCELLED", async () => {
    const clock = new ManualClock(0);
    await clock.sleep(0);
    const controller = new AbortController();
    const pending = clock.sleep(100, controller.signal);
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toSatisfy((e: unknown) => isMlstackError(e, "CANCELLED"));
    expect(clock.pendingSleepers).toBe(0);
    await expect(clock.sleep(5, controller.signal)).rejects.toSatisfy((e: unknown) => isMlstackError(e, "CANCELLED"));
  });
});

describe("SystemClock", () => {
  it("sleeps in real time and can be aborted", async () => {
    const clock = new SystemClock();
    const t0 = clock.now();
    await clock.sleep(15);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(14);
    const controller = new AbortController();
    const pending = clock.sleep(10_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toSatisfy((e: unknown) => isMlstackError(e, "CANCELLED"));
  });
});
