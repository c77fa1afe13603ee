import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { createFilesystemDataEngine } from "../src/index.js";
import { dataEngineConformance } from "../src/testing/index.js";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

dataEngineConformance({
  name: "filesystem",
  capabilities: { persistent: true },
  propertyRuns: 10,
  create: () => {
    const root = mkdtempSync(join(tmpdir(), "mlstack-data-fs-"));
    roots.push(root);
    return createFilesystemDataEngine({ root });
  },
});
