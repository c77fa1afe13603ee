import { describe, expect, it } from "vitest";
import {
  type Brick,
  createProgressBar,
  defineCapabilities,
  formatProgress,
  isBrick,
  isMlstackError,
  type ProgressEvent,
  type ProgressEvents,
  requireCapability,
  TypedEmitter,
} from "../src/index.js";

describe("capabilities", () => {
  it("are defaults plus overrides, frozen", () => {
    const caps = defineCapabilities({ online: true, pointInTime: true, streaming: false }, { streaming: true });
    expect(caps).toEqual({ online: true, pointInTime: true, streaming: true });
    expect(Object.isFrozen(caps)).toBe(true);
  });

  it("reject unknown override keys", () => {
    expect(() => defineCapabilities({ online: true }, { onlin: false } as never)).toThrowError(/unknown capability/);
  });

  it("guard optional methods with NOT_SUPPORTED", () => {
    const brick: Brick<"features"> = {
      kind: "features",
      name: "memory",
      specificationVersion: "v1",
      capabilities: defineCapabilities({ online: false }),
    };
    expect(isBrick(brick)).toBe(true);
    expect(isBrick({ kind: "toaster", name: "x", specificationVersion: "v1", capabilities: {} })).toBe(false);
    try {
      requireCapability(brick, "online");
      expect.unreachable();
    } catch (e) {
      expect(isMlstackError(e, "NOT_SUPPORTED")).toBe(true);
      expect((e as Error).message).toContain("online");
    }
  });
});

describe("events and progress", () => {
  it("emits typed progress events", () => {
    const emitter = new TypedEmitter<ProgressEvents>();
    const seen: ProgressEvent[] = [];
    emitter.on("progress", (e) => seen.push(e));
    emitter.emit("progress", { task: "commit", done: 1, total: 2, unit: "files" });
    expect(seen).toEqual([{ task: "commit", done: 1, total: 2, unit: "files" }]);
  });

  it("formats a bar or a counter", () => {
    expect(formatProgress({ task: "hash", done: 5, total: 10, unit: "files" }, 10)).toBe(
      "hash █████░░░░░  50% 5/10 files",
    );
    expect(formatProgress({ task: "scan", done: 1234, unit: "rows" })).toBe("scan 1,234 rows");
  });

  it("redraws on a TTY and throttles lines elsewhere", () => {
    let t = 0;
    const lines: string[] = [];
    const bar = createProgressBar({ write: (s) => lines.push(s) }, { intervalMs: 100, now: () => t });
    bar({ task: "x", done: 1, total: 3, unit: "rows" });
    t = 50;
    bar({ task: "x", done: 2, total: 3, unit: "rows" });
    t = 60;
    bar({ task: "x", done: 3, total: 3, unit: "rows" });
    expect(lines.length).toBe(2);
    expect(lines[1]).toContain("100%");
    const tty: string[] = [];
    const ttyBar = createProgressBar({ write: (s) => tty.push(s), isTTY: true });
    ttyBar({ task: "x", done: 1, total: 2, unit: "rows" });
    expect(tty[0]?.startsWith("\r")).toBe(true);
  });
});
