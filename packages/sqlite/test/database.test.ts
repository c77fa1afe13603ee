import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMlstackError } from "@mlstack/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Migration,
  mapSqliteError,
  migrate,
  openDatabase,
  schemaVersion,
  writeTransaction,
} from "../src/database.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mlstack-sqlite-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const v1: Migration[] = [
  { version: 1, description: "items", up: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)" },
];
const v2: Migration[] = [...v1, { version: 2, description: "tags", up: "ALTER TABLE items ADD COLUMN tag TEXT" }];

describe("openDatabase and migrate", () => {
  it("opens in WAL mode and migrates an older file forward", () => {
    const file = join(dir, "a.db");
    const db = openDatabase(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    migrate(db, "test", v1);
    db.prepare("INSERT INTO items (name) VALUES ('x')").run();
    db.close();
    const again = openDatabase(file);
    migrate(again, "test", v2);
    expect(schemaVersion(again, "test")).toBe(2);
    expect(again.prepare("SELECT name, tag FROM items").all()).toEqual([{ name: "x", tag: null }]);
    migrate(again, "test", v2);
    expect(schemaVersion(again, "test")).toBe(2);
    again.close();
  });

  it("refuses a file from a newer version with FAILED_PRECONDITION", () => {
    const file = join(dir, "b.db");
    const db = openDatabase(file);
    migrate(db, "test", v2);
    expect(() => migrate(db, "test", v1)).toThrowError(/newer than this library knows/);
    try {
      migrate(db, "test", v1);
    } catch (e) {
      expect(isMlstackError(e, "FAILED_PRECONDITION")).toBe(true);
    }
    db.close();
  });

  it("keeps components apart and leaves nothing of a failed migration", () => {
    const db = openDatabase(join(dir, "c.db"));
    migrate(db, "one", v1);
    const broken: Migration[] = [
      { version: 1, description: "ok", up: "CREATE TABLE other (x)" },
      { version: 2, description: "bad", up: "THIS IS NOT SQL" },
    ];
    expect(() => migrate(db, "two", broken)).toThrowError();
    expect(schemaVersion(db, "two")).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'other'").get()).toBeUndefined();
    expect(schemaVersion(db, "one")).toBe(1);
    db.close();
  });
});

describe("writeTransaction and errors", () => {
  it("rolls back on a throw and maps constraint errors to CONFLICT", () => {
    const db = openDatabase(":memory:");
    migrate(db, "test", v1);
    expect(() =>
      writeTransaction(db, () => {
        db.prepare("INSERT INTO items (id, name) VALUES (1, 'a')").run();
        db.prepare("INSERT INTO items (id, name) VALUES (1, 'b')").run();
      }),
    ).toThrowError();
    expect(db.prepare("SELECT count(*) AS n FROM items").get()).toEqual({ n: 0 });
    try {
      writeTransaction(db, () => db.prepare("INSERT INTO items (id) VALUES (1), (1)").run());
    } catch (e) {
      expect(isMlstackError(e, "CONFLICT")).toBe(true);
    }
    db.close();
  });

  it("maps busy to retryable UNAVAILABLE", () => {
    const e = mapSqliteError(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }));
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.retryable).toBe(true);
    expect(mapSqliteError(Object.assign(new Error("x"), { code: "SQLITE_CORRUPT" })).code).toBe("DATA_CORRUPTION");
  });
});
