import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { featureStoreConformance } from "@mlstack/features/testing";
import { afterAll } from "vitest";
import { createSqliteFeatureStore } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlstack-sqlite-features-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

featureStoreConformance({
  name: "sqlite (file)",
  create: ({ clock }) => createSqliteFeatureStore({ filename: join(dir, `store-${++n}.db`), clock }),
});
