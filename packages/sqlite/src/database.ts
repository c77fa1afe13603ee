import { MlstackError } from "@mlstack/core";
import Database from "better-sqlite3";

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** One schema change of a component, applied once, in version order. */
export interface Migration {
  /** 1, 2, 3, ... without gaps. */
  readonly version: number;
  readonly description: string;
  /** SQL text, or a function for changes that need code. Runs inside the migration transaction. */
  readonly up: string | ((db: SqliteDatabase) => void);
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long a writer waits for another process's write lock before `UNAVAILABLE`; default 5000 ms. */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/**
 * Opens a SQLite file in WAL mode (readers never block the writer, and two processes can share the file),
 * with `synchronous=NORMAL` (a committed transaction survives a killed process; WAL is checkpointed on
 * close) and foreign keys on. `:memory:` works for throwaway stores.
 */
export function openDatabase(filename: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    db = new Database(filename, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw mapSqliteError(error, `cannot open SQLite database ${filename}`);
  }
  if (!options.readonly) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  return db;
}

/**
 * Brings one component's tables (e.g. `metadata`, `features`) up to the newest migration, in one
 * immediate transaction, so two processes opening an old file at once migrate it once. A file written
 * by a newer version of the component is `FAILED_PRECONDITION`: we never guess at a future schema.
 */
export function migrate(db: SqliteDatabase, component: string, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MlstackError(
        "INTERNAL",
        `migrations of ${component} must be numbered 1..n, found ${m.version} at ${i}`,
      );
    }
  });
  const run = db.transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS mlstack_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
    const row = db.prepare("SELECT version FROM mlstack_schema WHERE component = ?").get(component) as
      | { version: number }
      | undefined;
    const current = row?.version ?? 0;
    if (current > migrations.length) {
      throw new MlstackError(
        "FAILED_PRECONDITION",
        `the ${component} tables are at schema version ${current}, newer than this library knows (${migrations.length}); upgrade @mlstack/sqlite`,
        { details: { component, fileVersion: current, knownVersion: migrations.length } },
      );
    }
    for (const m of migrations.slice(current)) {
      if (typeof m.up === "string") db.exec(m.up);
      else m.up(db);
    }
    db.prepare(
      "INSERT INTO mlstack_schema (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version",
    ).run(component, migrations.length);
  });
  try {
    run.immediate();
  } catch (error) {
    throw mapSqliteError(error, `cannot migrate the ${component} tables`);
  }
}

/** The schema version of a component in this file (0 when it has none). */
export function schemaVersion(db: SqliteDatabase, component: string): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mlstack_schema'").get();
  if (!exists) return 0;
  const row = db.prepare("SELECT version FROM mlstack_schema WHERE component = ?").get(component) as
    | { version: number }
    | undefined;
  return row?.version ?? 0;
}

/**
 * Maps a better-sqlite3 error to an MlstackError, keeping it as `cause`. MlstackErrors pass through,
 * so a transaction body may throw them freely.
 */
export function mapSqliteError(error: unknown, message?: string): MlstackError {
  if (error instanceof MlstackError) return error;
  const code = (error as { code?: unknown }).code;
  const text = message ?? (error instanceof Error ? error.message : String(error));
  const full = typeof code === "string" ? code : "";
  const details = { sqliteCode: full };
  if (full.startsWith("SQLITE_BUSY") || full.startsWith("SQLITE_LOCKED")) {
    return new MlstackError("UNAVAILABLE", `${text}: the database is locked by another writer`, {
      details,
      cause: error,
    });
  }
  if (full.startsWith("SQLITE_CONSTRAINT")) return new MlstackError("CONFLICT", text, { details, cause: error });
  if (full.startsWith("SQLITE_CORRUPT") || full.startsWith("SQLITE_NOTADB")) {
    return new MlstackError("DATA_CORRUPTION", text, { details, cause: error });
  }
  if (full.startsWith("SQLITE_FULL")) return new MlstackError("RESOURCE_EXHAUSTED", text, { details, cause: error });
  if (full.startsWith("SQLITE_CANTOPEN") || full.startsWith("SQLITE_READONLY") || full.startsWith("SQLITE_IOERR")) {
    return new MlstackError("UNAVAILABLE", text, { details, cause: error, retryable: false });
  }
  return new MlstackError("INTERNAL", text, { details, cause: error });
}

/**
 * Runs `fn` in a `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so two writers queue
 * instead of failing at commit), mapping errors. Everything `fn` wrote is rolled back if it throws.
 */
export function writeTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (error) {
    throw mapSqliteError(error);
  }
}
