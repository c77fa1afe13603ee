import { MlstackError } from "@mlstack/core";
import pg from "pg";
import { mapPostgresError } from "./errors.js";

/** A `pg` pool, the connection type every Postgres backend of mlstack uses. */
export type PostgresPool = pg.Pool;
/** A connection checked out of the pool, as handed to a transaction body. */
export type PostgresClient = pg.PoolClient;

/** How to reach the database and where the tables live; shared by every Postgres backend. */
export interface PostgresConnectionOptions {
  /** A libpq connection string, e.g. `postgres://user@host:5432/db`; a pool is created and owned. */
  readonly connectionString?: string;
  /**
   * A pool the caller owns, with its `error` listener (see {@link createPool}); it is not ended by
   * `close()`. Takes precedence over `connectionString`.
   */
  readonly pool?: PostgresPool;
  /** The schema holding every table (created if absent); default `mlstack`. */
  readonly schema?: string;
  /** Size of a pool created from `connectionString`; default 10. */
  readonly maxConnections?: number;
}

/** One schema change of a component, applied once, in version order. */
export interface PostgresMigration {
  /** 1, 2, 3, ... without gaps. */
  readonly version: number;
  readonly description: string;
  /**
   * SQL text, or a function for changes that need code. Runs inside the migration transaction with
   * `search_path` set to the schema, so names need no qualification.
   */
  readonly up: string | ((client: PostgresClient) => Promise<void>);
}

/** Options of {@link PostgresDatabase.transaction}. */
export interface TransactionOptions {
  /** Default `read committed`. */
  readonly isolation?: "read committed" | "repeatable read" | "serializable";
  /**
   * How many times a serialization failure or deadlock is retried before it becomes `CONFLICT`
   * (retryable); default 3. The body must be safe to run again.
   */
  readonly retries?: number;
  /** What a unique violation raised by the body means; default `CONFLICT`. */
  readonly uniqueViolation?: "ALREADY_EXISTS" | "CONFLICT";
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RETRYABLE_TX = new Set(["40001", "40P01"]);

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A pool with an `error` listener: without one, a connection the server drops while idle in the pool
 * (a restart, `pg_terminate_backend`) crashes the process. The next checkout simply gets a new one.
 */
export function createPool(connectionString: string, maxConnections = 10): PostgresPool {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  pool.on("error", ignoreIdleError);
  return pool;
}

function ignoreIdleError(): void {}

/**
 * One schema of one Postgres database: the pool, qualified table names, versioned migrations per
 * component (in `<schema>.mlstack_schema`) and transactions with error mapping. Backends build on it.
 */
export class PostgresDatabase {
  /** The pool every query goes through. */
  readonly pool: PostgresPool;
  /** The schema name (unquoted). */
  readonly schema: string;
  readonly #owned: boolean;
  #closed = false;

  constructor(options: PostgresConnectionOptions) {
    const schema = options.schema ?? "mlstack";
    if (!SCHEMA_NAME.test(schema)) {
      throw new MlstackError(
        "INVALID_ARGUMENT",
        `schema name "${schema}" must be lowercase letters, digits and _ (at most 63, not starting with a digit)`,
        { details: { schema } },
      );
    }
    if (options.pool === undefined && (options.connectionString ?? "") === "") {
      throw new MlstackError("INVALID_ARGUMENT", "a Postgres backend needs a connectionString or a pool");
    }
    this.schema = schema;
    this.#owned = options.pool === undefined;
    this.pool = options.pool ?? createPool(options.connectionString as string, options.maxConnections);
  }

  /** The schema-qualified, quoted name of a table, e.g. `"mlstack"."features_online"`. */
  table(name: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(name)}`;
  }

  /** Runs one statement on a pooled connection; errors are mapped to MlstackError. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    this.#open();
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw mapPostgresError(error);
    }
  }

  /** Like {@link query}, rows as arrays of column values (no per-row objects). */
  async queryArrays<R extends unknown[] = unknown[]>(text: string, values: unknown[] = []): Promise<R[]> {
    this.#open();
    try {
      return (await this.pool.query<R>({ text, values, rowMode: "array" })).rows;
    } catch (error) {
      throw mapPostgresError(error);
    }
  }

  /**
   * Runs `fn` in a transaction on one connection: committed if it resolves, rolled back if it throws
   * (MlstackErrors pass through, others are mapped). A connection that failed is discarded, not reused.
   */
  async transaction<T>(fn: (client: PostgresClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const retries = options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(fn, options.isolation ?? "read committed");
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && RETRYABLE_TX.has(code)) {
          if (attempt < retries) continue;
          throw new MlstackError("CONFLICT", "the transaction kept conflicting with concurrent writers; try again", {
            retryable: true,
            cause: error,
            details: { sqlState: code, attempts: attempt + 1 },
          });
        }
        throw mapPostgresError(error, options.uniqueViolation ? { uniqueViolation: options.uniqueViolation } : {});
      }
    }
  }

  async #once<T>(fn: (client: PostgresClient) => Promise<T>, isolation: string): Promise<T> {
    this.#open();
    const client = await this.pool.connect();
    // The pool listens for errors of idle connections only: a checked-out one that the server drops
    // emits `error` as well as failing its query, which must not become an uncaught exception.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      if (broken === undefined) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
      }
      throw error;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  /**
   * Brings one component's tables (e.g. `features`, `metadata`) up to its newest migration, creating the
   * schema if absent. Concurrent migrators (several processes starting at once) are serialized by a
   * transaction-level advisory lock. A schema written by a newer version of the component is
   * `FAILED_PRECONDITION`: we never guess at a future layout.
   */
  async migrate(component: string, migrations: readonly PostgresMigration[]): Promise<void> {
    migrations.forEach((m, i) => {
      if (m.version !== i + 1) {
        throw new MlstackError("INTERNAL", `migrations of ${component} must be numbered 1..n, found ${m.version}`);
      }
    });
    await this.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`mlstack_schema:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await client.query(`SET LOCAL search_path TO ${quoteIdent(this.schema)}`);
      await client.query(
        "CREATE TABLE IF NOT EXISTS mlstack_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
      );
      const row = await client.query<{ version: number }>("SELECT version FROM mlstack_schema WHERE component = $1", [
        component,
      ]);
      const current = row.rows[0]?.version ?? 0;
      if (current > migrations.length) {
        throw new MlstackError(
          "FAILED_PRECONDITION",
          `the ${component} tables in schema "${this.schema}" are at version ${current}, newer than this library knows (${migrations.length}); upgrade @mlstack/postgres`,
          { details: { component, schema: this.schema, storedVersion: current, knownVersion: migrations.length } },
        );
      }
      for (const m of migrations.slice(current)) {
        if (typeof m.up === "string") await client.query(m.up);
        else await m.up(client);
      }
      await client.query(
        "INSERT INTO mlstack_schema (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        [component, migrations.length],
      );
    });
  }

  /** The schema version of a component (0 when it has no tables yet). */
  async schemaVersion(component: string): Promise<number> {
    const exists = await this.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [
      this.table("mlstack_schema"),
    ]);
    if (exists.rows[0]?.t == null) return 0;
    const row = await this.query<{ version: number }>(
      `SELECT version FROM ${this.table("mlstack_schema")} WHERE component = $1`,
      [component],
    );
    return row.rows[0]?.version ?? 0;
  }

  /** Ends the pool if this database created it; idempotent. Later calls fail `FAILED_PRECONDITION`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.pool.end();
  }

  #open(): void {
    if (this.#closed) throw new MlstackError("FAILED_PRECONDITION", "the Postgres connection was closed");
  }
}
