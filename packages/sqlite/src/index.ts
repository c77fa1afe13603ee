/**
 * Embedded SQLite backends of mlstack (better-sqlite3): the persistent default for the bricks that keep
 * rows and indexes. Each brick's storage lives in a folder named after the brick.
 *
 * @packageDocumentation
 * @module @mlstack/sqlite
 */
export * from "./database.js";
export * from "./features/index.js";
export * from "./metadata/index.js";
export * from "./monitor/index.js";
