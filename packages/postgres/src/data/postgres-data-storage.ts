import type { DataStorage, ObjectStorage } from "@mlstack/data";
import type { PostgresRefStorage } from "./postgres-ref-storage.js";

/**
 * DataEngine storage with refs in Postgres and objects in a store every committer shares (for example
 * the filesystem object storage on a shared folder). Objects are immutable and content-addressed, so
 * only the refs need the database's atomic compare-and-swap.
 */
export class PostgresDataStorage implements DataStorage {
  readonly name = "postgres";
  readonly persistent = true;
  readonly objects: ObjectStorage;
  readonly refs: PostgresRefStorage;
  readonly #closeObjects: () => Promise<void>;

  /** `closeObjects` releases the object store when this storage owns it. */
  constructor(refs: PostgresRefStorage, objects: ObjectStorage, closeObjects: () => Promise<void> = async () => {}) {
    this.refs = refs;
    this.objects = objects;
    this.#closeObjects = closeObjects;
  }

  async close(): Promise<void> {
    await Promise.all([this.refs.close(), this.#closeObjects()]);
  }
}
