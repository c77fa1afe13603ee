import { isMlstackError, MlstackError } from "@mlstack/core";
import { afterAll, describe, expect, it } from "vitest";
import { createPool, mapPostgresError, PostgresDatabase, type PostgresMigration } from "../src/index.js";
import { POSTGRES_URL, postgresAvailable, testPool, uniqueSchema } from "./postgres-env.js";

async function failure(promise: Promise<unknown>): Promise<MlstackError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof MlstackError)) throw new Error(`expected an MlstackError, got ${String(outcome)}`);
  return outcome;
}

describe("mapPostgresError", () => {
  const driver = (code: string, message = "driver says no") => Object.assign(new Error(message), { code });

  it("maps lost connections, shutdowns and 08xxx to retryable UNAVAILABLE", () => {
    for (const error of [
      driver("57P01", "terminating connection due to administrator command"),
      driver("08006"),
      driver("08001"),
      driver("ECONNREFUSED"),
      new Error("Connection terminated unexpectedly"),
    ]) {
      const mapped = mapPostgresError(error);
      expect([mapped.code, mapped.retryable]).toEqual(["UNAVAILABLE", true]);
      expect(mapped.cause).toBe(error);
    }
  });

  it("lets the caller decide what a unique violation means, and maps conflicts and the rest", () => {
    expect(mapPostgresError(driver("23505")).code).toBe("CONFLICT");
    expect(mapPostgresError(driver("23505"), { uniqueViolation: "ALREADY_EXISTS" }).code).toBe("ALREADY_EXISTS");
    const serialization = mapPostgresError(driver("40001"));
    expect([serialization.code, serialization.retryable]).toEqual(["CONFLICT", true]);
    expect(mapPostgresError(driver("22P02")).code).toBe("INVALID_ARGUMENT");
    expect(mapPostgresError(driver("42501")).code).toBe("PERMISSION_DENIED");
    expect(mapPostgresError(driver("57014")).code).toBe("TIMEOUT");
    expect(mapPostgresError(driver("XX001")).code).toBe("DATA_CORRUPTION");
    const other = mapPostgresError(driver("42P01"), { message: "cannot read" });
    expect([other.code, other.message, other.details]).toEqual([
      "INTERNAL",
      "cannot read: driver says no",
      { sqlState: "42P01" },
    ]);
    const own = new MlstackError("NOT_FOUND", "x");
    expect(mapPostgresError(own)).toBe(own);
  });
});

describe("PostgresDatabase options", () => {
  it("rejects a bad schema name and a missing connection", async () => {
    expect(() => new PostgresDatabase({ connectionString: POSTGRES_URL, schema: 'x"; DROP' })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => new PostgresDatabase({})).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe.skipIf(!postgresAvailable)("PostgresDatabase on the server", () => {
  const server = testPool(8);
  afterAll(() => server.cleanup());
  const db = (schema = server.schema(), pool = server.pool) => new PostgresDatabase({ pool, schema });

  const MIGRATIONS: PostgresMigration[] = [
    { version: 1, description: "items", up: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)" },
    {
      version: 2,
      description: "a counter, from code",
      up: async (client) => {
        await client.query("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
        await client.query("INSERT INTO counter VALUES (1, 0)");
      },
    },
  ];

  it("creates the schema, migrates once, and is idempotent", async () => {
    const d = db();
    expect(await d.schemaVersion("demo")).toBe(0);
    await d.migrate("demo", MIGRATIONS);
    await d.migrate("demo", MIGRATIONS);
    expect(await d.schemaVersion("demo")).toBe(2);
    expect(await d.schemaVersion("other")).toBe(0);
    await d.query(`INSERT INTO ${d.table("items")} VALUES (1, 'a')`);
    expect((await d.query(`SELECT name FROM ${d.table("items")}`)).rows).toEqual([{ name: "a" }]);
  });

  it("upgrades from an older version and refuses a newer one with FAILED_PRECONDITION", async () => {
    const d = db();
    await d.migrate("demo", MIGRATIONS.slice(0, 1));
    expect(await d.schemaVersion("demo")).toBe(1);
    await d.migrate("demo", MIGRATIONS);
    expect(await d.schemaVersion("demo")).toBe(2);
    const error = await failure(d.migrate("demo", MIGRATIONS.slice(0, 1)));
    expect(error.code).toBe("FAILED_PRECONDITION");
    expect(error.details).toMatchObject({ storedVersion: 2, knownVersion: 1 });
  });

  it("a failing migration leaves the schema at its previous version, with none of its changes", async () => {
    const d = db();
    await d.migrate("demo", MIGRATIONS.slice(0, 1));
    const broken: PostgresMigration[] = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, description: "half", up: "CREATE TABLE half (id INTEGER); SELECT * FROM no_such_table" },
    ];
    await failure(d.migrate("demo", broken));
    expect(await d.schemaVersion("demo")).toBe(1);
    expect((await d.query("SELECT to_regclass($1) AS t", [d.table("half")])).rows[0]?.t).toBeNull();
  });

  it("serializes concurrent migrators: every one succeeds and each step runs once", async () => {
    const schema = uniqueSchema();
    const pools = Array.from({ length: 4 }, () => createPool(POSTGRES_URL, 1));
    let runs = 0;
    const counted: PostgresMigration[] = [
      ...MIGRATIONS,
      {
        version: 3,
        description: "counted",
        up: async (client) => {
          runs++;
          await client.query("ALTER TABLE items ADD COLUMN extra TEXT");
        },
      },
    ];
    try {
      await Promise.all(pools.map((pool) => db(schema, pool).migrate("demo", counted)));
      expect(runs).toBe(1);
      expect(await db(schema).schemaVersion("demo")).toBe(3);
    } finally {
      await server.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it("rolls a transaction back when its body throws, passing MlstackErrors through", async () => {
    const d = db();
    await d.migrate("demo", MIGRATIONS);
    const error = await failure(
      d.transaction(async (client) => {
        await client.query(`INSERT INTO ${d.table("items")} VALUES (7, 'x')`);
        throw new MlstackError("NOT_FOUND", "the body gave up");
      }),
    );
    expect(error.code).toBe("NOT_FOUND");
    expect((await d.query(`SELECT count(*)::int AS n FROM ${d.table("items")}`)).rows[0]?.n).toBe(0);
    await d.query(`INSERT INTO ${d.table("items")} VALUES (1, 'a')`);
    const duplicate = await failure(
      d.transaction((client) => client.query(`INSERT INTO ${d.table("items")} VALUES (1, 'b')`), {
        uniqueViolation: "ALREADY_EXISTS",
      }),
    );
    expect(duplicate.code).toBe("ALREADY_EXISTS");
  });

  it("retries serialization failures; out of retries they are a retryable CONFLICT", async () => {
    const d = db();
    await d.migrate("demo", MIGRATIONS);
    const increment = (retries: number) =>
      d.transaction(
        async (client) => {
          const row = await client.query(`SELECT n FROM ${d.table("counter")} WHERE id = 1`);
          await new Promise((r) => setTimeout(r, 5));
          await client.query(`UPDATE ${d.table("counter")} SET n = $1 WHERE id = 1`, [row.rows[0].n + 1]);
        },
        { isolation: "serializable", retries },
      );
    const once = await Promise.allSettled(Array.from({ length: 6 }, () => increment(0)));
    const ok = once.filter((o) => o.status === "fulfilled").length;
    for (const o of once) {
      if (o.status === "rejected") expect([o.reason.code, o.reason.retryable]).toEqual(["CONFLICT", true]);
    }
    // No lost update: the counter counts exactly the increments that succeeded.
    expect((await d.query(`SELECT n FROM ${d.table("counter")}`)).rows[0]?.n).toBe(ok);
    await Promise.all(Array.from({ length: 6 }, () => increment(50)));
    expect((await d.query(`SELECT n FROM ${d.table("counter")}`)).rows[0]?.n).toBe(ok + 6);
  });

  it("a statement whose connection is terminated fails UNAVAILABLE, and the next one works", async () => {
    const app = uniqueSchema("app");
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("application_name", app);
    const d = new PostgresDatabase({ connectionString: url.toString(), schema: server.schema(), maxConnections: 1 });
    try {
      // The handler is attached at once: the query fails while the loop below is still polling.
      const sleeping = failure(d.query("SELECT pg_sleep(10)"));
      for (let i = 0; i < 500; i++) {
        const hit = await server.pool.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep%' AND state = 'active'",
          [app],
        );
        if (hit.rowCount) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const error = await sleeping;
      expect([error.code, error.retryable]).toEqual(["UNAVAILABLE", true]);
      expect((await d.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await d.close();
    }
    expect(isMlstackError(await failure(d.query("SELECT 1")), "FAILED_PRECONDITION")).toBe(true);
  });
});
