import type { SlotName } from "../spec.js";

/** The colour of each slot's default brick, so a picture reads the same from stack to stack. */
export const SLOT_COLORS: Readonly<Record<SlotName, string>> = {
  data: "#4e79a7",
  features: "#59a14f",
  training: "#f28e2b",
  serving: "#b07aa1",
  metadata: "#76b7b2",
  monitor: "#e15759",
};

/** The colour of what the Stack itself covers. */
export const STACK_COLOR = "#34495e";

/** The fill of a stage nothing covers (under a hatch). */
export const GAP_COLOR = "#d9d9d9";

// Colours for named bricks besides a slot's default, in order of use.
const EXTRA_COLORS = ["#edc948", "#9c755f", "#ff9da7", "#17becf", "#bcbd22", "#8c564b", "#1f77b4", "#d62728"];

/**
 * The colour of the n-th extra brick (a named brick that is not its slot's default): a fixed list, then
 * hues spread by the golden angle, so every brick of a large stack still gets its own colour.
 */
export function extraColor(n: number): string {
  const fixed = EXTRA_COLORS[n];
  if (fixed !== undefined) return fixed;
  const hue = ((n - EXTRA_COLORS.length) * 137.508 + 20) % 360;
  return hslToHex(hue, 0.55, 0.5);
}

/** The light variant of a colour (mixed with 60% white): partial coverage. */
export function lighten(hex: string): string {
  const [r, g, b] = parseHex(hex);
  const mix = (c: number) => Math.round(c * 0.4 + 255 * 0.6);
  return toHex(mix(r), mix(g), mix(b));
}

function parseHex(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

function toHex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return toHex(f(0), f(8), f(4));
}
