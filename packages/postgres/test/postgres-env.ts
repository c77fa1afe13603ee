// The test server: reachable or not, decided once per test file. Unreachable skips the tests that need
// it with a one-line reason, except under CI=true, where that is a failure.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPool, type PostgresPool, quoteIdent } from "../src/index.js";

/** The server the tests use. */
export const POSTGRES_URL = process.env.MLSTACK_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const failure = await probe();
/** Whether the server answered. */
export const postgresAvailable = failure === undefined;
if (failure !== undefined) {
  const reason = `PostgreSQL at ${POSTGRES_URL} is unreachable (${failure})`;
  if (process.env.CI === "true") throw new Error(`${reason}; CI=true requires it`);
  console.warn(`skipping the PostgreSQL tests: ${reason}`);
}

/** A schema name no other run uses. */
export function uniqueSchema(prefix = "t"): string {
  return `mlstack_${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** A pool for one test file plus the schemas it made, dropped (and the pool ended) by `cleanup()`. */
export function testPool(max = 4): { pool: PostgresPool; schema: () => string; cleanup: () => Promise<void> } {
  const pool = createPool(POSTGRES_URL, max);
  const schemas: string[] = [];
  return {
    pool,
    schema: () => {
      const name = uniqueSchema();
      schemas.push(name);
      return name;
    },
    cleanup: async () => {
      for (const name of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`);
      await pool.end();
    },
  };
}
