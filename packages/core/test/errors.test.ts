import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ERROR_CODES, fromZodError, isMlstackError, MlstackError, parseInput, toMlstackError } from "../src/index.js";

describe("MlstackError", () => {
  it("carries code, retryable default by code, details and cause", () => {
    const cause = new Error("socket closed");
    const e = new MlstackError("UNAVAILABLE", "db down", { details: { host: "x" }, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("MlstackError");
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.retryable).toBe(true);
    expect(e.details).toEqual({ host: "x" });
    expect(e.cause).toBe(cause);
    expect(Object.isFrozen(e.details)).toBe(true);
    expect(new MlstackError("NOT_FOUND", "x").retryable).toBe(false);
    expect(new MlstackError("NOT_FOUND", "x", { retryable: true }).retryable).toBe(true);
  });

  it("defaults retryable to true exactly for transient codes", () => {
    const retryable = ERROR_CODES.filter((c) => new MlstackError(c, "m").retryable);
    expect(retryable.sort()).toEqual(["RESOURCE_EXHAUSTED", "TIMEOUT", "UNAVAILABLE"]);
  });

  it("serialises to JSON without the cause", () => {
    const e = new MlstackError("CONFLICT", "param changed", { details: { old: "1", new: "2" }, cause: new Error("x") });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: "MlstackError",
      code: "CONFLICT",
      message: "param changed",
      retryable: false,
      details: { old: "1", new: "2" },
    });
  });

  it("is recognised across two copies of the module", async () => {
    vi.resetModules();
    const copy = (await import("../src/errors.js")) as typeof import("../src/errors.js");
    expect(copy.MlstackError).not.toBe(MlstackError);
    const foreign = new copy.MlstackError("NOT_FOUND", "elsewhere");
    expect(foreign instanceof MlstackError).toBe(false);
    expect(isMlstackError(foreign)).toBe(true);
    expect(isMlstackError(foreign, "NOT_FOUND")).toBe(true);
    expect(isMlstackError(foreign, "CONFLICT")).toBe(false);
    expect(copy.isMlstackError(new MlstackError("INTERNAL", "here"))).toBe(true);
  });

  it("does not recognise look-alikes", () => {
    expect(isMlstackError(new Error("x"))).toBe(false);
    expect(isMlstackError({ code: "NOT_FOUND", message: "x" })).toBe(false);
    expect(isMlstackError(null)).toBe(false);
    expect(isMlstackError("NOT_FOUND")).toBe(false);
  });
});

describe("zod errors", () => {
  const schema = z.object({ name: z.string().min(1), rows: z.array(z.object({ id: z.number() })) });

  it("become INVALID_ARGUMENT with every issue path", () => {
    const result = schema.safeParse({ name: "", rows: [{ id: 1 }, { id: "two" }] });
    expect(result.success).toBe(false);
    if (result.success) return;
    const e = fromZodError(result.error, "dataset");
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(/^invalid dataset: /);
    expect(e.message).toContain("rows.1.id");
    expect(e.details.issues).toEqual([
      { path: "name", message: expect.any(String) },
      { path: "rows.1.id", message: expect.any(String) },
    ]);
  });

  it("parseInput returns parsed data or throws the typed error", () => {
    expect(parseInput(schema, { name: "a", rows: [] })).toEqual({ name: "a", rows: [] });
    expect(() => parseInput(schema, { name: 3 }, "thing")).toThrowError(/invalid thing/);
    try {
      parseInput(schema, null);
    } catch (e) {
      expect(isMlstackError(e, "INVALID_ARGUMENT")).toBe(true);
    }
  });

  it("summarises long issue lists", () => {
    const many = z.array(z.number()).safeParse(["a", "b", "c", "d", "e", "f", "g"]);
    if (many.success) throw new Error("expected failure");
    const e = fromZodError(many.error);
    expect(e.message).toContain("(and 2 more)");
    expect((e.details.issues as unknown[]).length).toBe(7);
  });
});

describe("toMlstackError", () => {
  it("keeps MlstackErrors and wraps anything else", () => {
    const original = new MlstackError("TIMEOUT", "slow");
    expect(toMlstackError(original)).toBe(original);
    const wrapped = toMlstackError(new TypeError("boom"), "UNAVAILABLE");
    expect(wrapped.code).toBe("UNAVAILABLE");
    expect(wrapped.message).toBe("boom");
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(toMlstackError("text").message).toBe("text");
  });
});
