import type { RefEntry, RefStorage } from "@mlstack/data";
import { type PostgresConnectionOptions, PostgresDatabase } from "../database.js";
import { DATA_MIGRATIONS } from "./migrations.js";

/**
 * DataEngine refs in a Postgres table. Each compare-and-swap is one conditional statement (an insert
 * that does nothing on conflict, an update or a delete guarded by the expected value), so it is atomic
 * across every process and machine sharing the schema: of two committers moving a branch from the same
 * head, exactly one swaps.
 */
export class PostgresRefStorage implements RefStorage {
  readonly #db: PostgresDatabase;
  readonly #refs: string;

  /** Wraps a migrated database; use {@link PostgresRefStorage.open}. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
    this.#refs = db.table("data_refs");
  }

  /** Connects, creates the schema if absent and migrates the `data` tables. */
  static async open(options: PostgresConnectionOptions): Promise<PostgresRefStorage> {
    const db = new PostgresDatabase(options);
    try {
      await db.migrate("data", DATA_MIGRATIONS);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PostgresRefStorage(db);
  }

  async get(name: string): Promise<string | undefined> {
    const rows = await this.#db.queryArrays<[string]>(`SELECT value FROM ${this.#refs} WHERE name = $1`, [name]);
    return rows[0]?.[0];
  }

  async cas(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    const refs = this.#refs;
    if (expected === undefined && next === undefined) {
      return (await this.get(name)) === undefined;
    }
    const result =
      expected === undefined
        ? await this.#db.query(`INSERT INTO ${refs} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
            name,
            next,
          ])
        : next === undefined
          ? await this.#db.query(`DELETE FROM ${refs} WHERE name = $1 AND value = $2`, [name, expected])
          : await this.#db.query(`UPDATE ${refs} SET value = $3 WHERE name = $1 AND value = $2`, [
              name,
              expected,
              next,
            ]);
    return result.rowCount === 1;
  }

  async list(prefix: string): Promise<RefEntry[]> {
    const rows = await this.#db.queryArrays<[string, string]>(
      `SELECT name, value FROM ${this.#refs} WHERE starts_with(name, $1)`,
      [prefix],
    );
    // Sorted here, by UTF-16 code units like every other backend, whatever the database collation.
    return rows
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Ends the pool if it was created from a connection string; idempotent. */
  async close(): Promise<void> {
    await this.#db.close();
  }
}
