import { LocalArtifactStore, MemoryArtifactStore } from "@mlstack/core";
import type { MetadataStoreOptions } from "@mlstack/metadata";
import { MetadataStoreEngine } from "@mlstack/metadata";
import { openDatabase } from "../database.js";
import { SqliteMetadataStorage } from "./sqlite-metadata-storage.js";

/** Options of {@link createSqliteMetadataStore}. */
export interface SqliteMetadataStoreOptions extends MetadataStoreOptions {
  /** The SQLite file (created if absent), or `:memory:`. */
  filename: string;
  /** How long a write waits for another process's lock before `UNAVAILABLE`; default 5000 ms. */
  busyTimeoutMs?: number;
}

/**
 * The MetadataStore on a SQLite file: the engine's rules over {@link SqliteMetadataStorage}. Artifact
 * bytes go to `options.artifacts`, by default a `LocalArtifactStore` in `<filename>.artifacts/`
 * (a `MemoryArtifactStore` for `:memory:`).
 */
export class SqliteMetadataStore extends MetadataStoreEngine {
  /** The SQLite file. */
  readonly filename: string;

  constructor(options: SqliteMetadataStoreOptions) {
    const db = openDatabase(
      options.filename,
      options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs },
    );
    let storage: SqliteMetadataStorage;
    try {
      storage = new SqliteMetadataStorage(db);
    } catch (error) {
      db.close();
      throw error;
    }
    const artifacts =
      options.artifacts ??
      (options.filename === ":memory:"
        ? new MemoryArtifactStore()
        : new LocalArtifactStore(`${options.filename}.artifacts`));
    super(storage, { ...options, artifacts });
    this.filename = options.filename;
  }
}

/** Opens (and migrates) a SQLite-backed MetadataStore. */
export function createSqliteMetadataStore(options: SqliteMetadataStoreOptions): SqliteMetadataStore {
  return new SqliteMetadataStore(options);
}
