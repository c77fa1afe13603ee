import type { PlainTensor } from "./tensor-codec.js";

/** Where two answers first differ, or `undefined` when they match. */
export interface OutputDifference {
  output: string;
  detail: string;
}

function close(a: unknown, b: unknown, tolerance: number): boolean {
  if (typeof a === "number" && typeof b === "number") {
    const diff = Math.abs(a - b);
    return diff <= tolerance || diff <= tolerance * Math.max(Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/**
 * Compares a shadow's outputs with the primary's: same outputs, same shapes, numbers equal within
 * `tolerance` (absolute or relative), other values exactly equal.
 */
export function compareOutputs(
  primary: ReadonlyMap<string, PlainTensor>,
  shadow: ReadonlyMap<string, PlainTensor>,
  tolerance: number,
): OutputDifference | undefined {
  for (const [name, p] of primary) {
    const s = shadow.get(name);
    if (!s) return { output: name, detail: "the shadow has no such output" };
    if (p.shape.length !== s.shape.length || p.shape.some((d, i) => d !== s.shape[i])) {
      return { output: name, detail: `shape [${p.shape.join(", ")}] vs [${s.shape.join(", ")}]` };
    }
    for (let i = 0; i < p.data.length; i++) {
      if (!close(p.data[i], s.data[i], tolerance)) {
        return { output: name, detail: `element ${i}: ${String(p.data[i])} vs ${String(s.data[i])}` };
      }
    }
  }
  return undefined;
}
