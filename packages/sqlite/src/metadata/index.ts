export { METADATA_MIGRATIONS } from "./migrations.js";
export { SqliteMetadataStorage } from "./sqlite-metadata-storage.js";
export type { SqliteMetadataStoreOptions } from "./sqlite-metadata-store.js";
export { createSqliteMetadataStore, SqliteMetadataStore } from "./sqlite-metadata-store.js";
