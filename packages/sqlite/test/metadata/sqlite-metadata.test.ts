import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { metadataStoreConformance } from "@mlstack/metadata/testing";
import { afterAll } from "vitest";
import { createSqliteMetadataStore } from "../../src/metadata/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlstack-metadata-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

metadataStoreConformance({
  name: "sqlite (file)",
  create: ({ clock, ids, artifacts }) =>
    createSqliteMetadataStore({ filename: join(dir, `store-${++n}.db`), clock, artifacts, ...(ids ? { ids } : {}) }),
});

metadataStoreConformance({
  name: "sqlite (:memory:)",
  create: ({ clock, ids, artifacts }) =>
    createSqliteMetadataStore({ filename: ":memory:", clock, artifacts, ...(ids ? { ids } : {}) }),
});
