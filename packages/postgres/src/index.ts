/**
 * PostgreSQL backends of mlstack (the `pg` driver), for teams that outgrow one machine: each brick's
 * storage lives in a folder named after the brick, over shared pooling, migrations and error mapping.
 *
 * @packageDocumentation
 * @module @mlstack/postgres
 */

export * from "./data/index.js";
export * from "./database.js";
export * from "./errors.js";
export * from "./features/index.js";
export * from "./metadata/index.js";
