import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createDeterministicIdGenerator } from "@mlstack/core";
import { createMemoryMonitor } from "../src/index.js";
import { type DriftGolden, monitorConformance } from "../src/testing/index.js";

const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../../shared/golden/drift.json", import.meta.url)), "utf8"),
) as DriftGolden;

monitorConformance({
  name: "memory",
  golden,
  create: async ({ clock }) => createMemoryMonitor({ clock, idGenerator: createDeterministicIdGenerator({ clock }) }),
});

monitorConformance({
  name: "memory without alerts, labels or metrics",
  capabilities: { alerts: false, labels: false, prometheus: false },
  create: async ({ clock }) =>
    createMemoryMonitor({ clock, capabilities: { alerts: false, labels: false, prometheus: false } }),
});
