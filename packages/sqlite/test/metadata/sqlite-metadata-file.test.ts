import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMlstackError } from "@mlstack/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createSqliteMetadataStore,
  METADATA_MIGRATIONS,
  migrate,
  openDatabase,
  schemaVersion,
} from "../../src/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mlstack-metadata-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite metadata file", () => {
  it("keeps everything across a reopen, artifacts included", async () => {
    const filename = join(dir, "m.db");
    const a = createSqliteMetadataStore({ filename });
    const e = await a.createExperiment({ name: "exp" });
    const run = await a.createRun({ experimentId: e.experimentId });
    await a.logBatch(run.runId, { metrics: [{ key: "nan", value: Number.NaN }], params: [{ key: "p", value: "1" }] });
    await a.logArtifact(run.runId, "model.bin", new Uint8Array([1, 2, 3]));
    await a.stop();
    const b = createSqliteMetadataStore({ filename });
    const again = await b.getRun(run.runId);
    expect(again.params).toEqual({ p: "1" });
    expect(again.metrics.nan?.value).toBeNaN();
    expect([...(await b.readArtifact(run.runId, "model.bin"))]).toEqual([1, 2, 3]);
    await b.stop();
  });

  it("upgrades a file with no metadata tables and refuses one from a newer version", async () => {
    const filename = join(dir, "old.db");
    const db = openDatabase(filename);
    migrate(db, "other-component", [{ version: 1, description: "x", up: "CREATE TABLE x (a)" }]);
    db.close();
    const store = createSqliteMetadataStore({ filename });
    await store.stop();
    const check = openDatabase(filename);
    expect(schemaVersion(check, "metadata")).toBe(METADATA_MIGRATIONS.length);
    check.prepare("UPDATE mlstack_schema SET version = version + 1 WHERE component = 'metadata'").run();
    check.close();
    try {
      createSqliteMetadataStore({ filename });
      expect.fail("a newer file must be refused");
    } catch (error) {
      expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    }
  });
});
