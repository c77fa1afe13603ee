// UUIDv7 generation from @mlstack/core against Node's native crypto.randomUUID() (UUIDv4).
import { randomUUID } from "node:crypto";
import { createUuidV7Generator } from "@mlstack/core";
import type { BenchRow } from "./harness.js";
import { compareMs } from "./harness.js";

export default async function uuidBench(): Promise<BenchRow[]> {
  const n = 1_000_000;
  const next = createUuidV7Generator();
  let sink = 0;
  const { candidate, baseline } = await compareMs(
    () => {
      for (let i = 0; i < n; i++) sink += next().length;
    },
    () => {
      for (let i = 0; i < n; i++) sink += randomUUID().length;
    },
    7,
  );
  if (sink === 0) throw new Error("unreachable");
  const ours = n / (candidate / 1000);
  const native = n / (baseline / 1000);
  return [
    {
      benchmark: "UUIDv7 generation (monotonic)",
      value: ours,
      unit: "ids/s",
      baseline: "crypto.randomUUID(), v4",
      baselineValue: native,
      ratio: ours / native,
    },
  ];
}
