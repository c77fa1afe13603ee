import { describe, expect, it } from "vitest";
import { compileGlob, groupDatums } from "../src/index.js";

const file = (path: string) => ({ path, digest: `sha256:${"0".repeat(64)}`, size: 1 });

describe("globs", () => {
  it("match * and ? within a segment, ** across segments, [] classes", () => {
    const cases: Array<[string, string, boolean]> = [
      ["*.csv", "a.csv", true],
      ["*.csv", "d/a.csv", false],
      ["**/*.csv", "a.csv", true],
      ["**/*.csv", "d/e/a.csv", true],
      ["d/**", "d/e/f", true],
      ["d/**", "x/e", false],
      ["f?.txt", "f1.txt", true],
      ["f?.txt", "f12.txt", false],
      ["[ab].txt", "b.txt", true],
      ["[!ab].txt", "b.txt", false],
      ["a.b", "axb", false],
    ];
    for (const [glob, path, expected] of cases) expect(compileGlob(glob)(path), `${glob} ~ ${path}`).toBe(expected);
  });

  it("group files into datums by the shortest matching prefix", () => {
    const files = ["a/1", "a/b/2", "c", "d/e/f"].map(file);
    const keys = (glob: string) => [...groupDatums(files, glob).entries()].map(([k, v]) => `${k}:${v.length}`);
    expect(keys("/")).toEqual(["/:4"]);
    expect(keys("/*")).toEqual(["a:2", "c:1", "d:1"]);
    expect(keys("/**")).toEqual(["a/1:1", "a/b/2:1", "c:1", "d/e/f:1"]);
    expect(keys("/a/*")).toEqual(["a/1:1", "a/b:1"]);
  });
});
