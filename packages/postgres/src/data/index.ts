import { MlstackError } from "@mlstack/core";
import {
  createDataEngine,
  type DataEngine,
  type DataEngineFactoryOptions,
  FilesystemObjectStorage,
  type ObjectStorage,
} from "@mlstack/data";
import type { PostgresConnectionOptions } from "../database.js";
import { PostgresDataStorage } from "./postgres-data-storage.js";
import { PostgresRefStorage } from "./postgres-ref-storage.js";

export { DATA_MIGRATIONS } from "./migrations.js";
export { PostgresDataStorage } from "./postgres-data-storage.js";
export { PostgresRefStorage } from "./postgres-ref-storage.js";

/** Options of {@link createPostgresDataEngine}: refs in Postgres, objects in a shared folder or store. */
export interface PostgresDataEngineOptions extends DataEngineFactoryOptions, PostgresConnectionOptions {
  /** A folder every committer reaches (e.g. a network mount): objects go there, in the filesystem layout. */
  readonly objectsRoot?: string;
  /** Or any object storage, owned by the caller (not closed by `stop()`). Exactly one of the two. */
  readonly objects?: ObjectStorage;
}

/**
 * A DataEngine whose refs live in a Postgres schema and whose objects live in a shared store, so that
 * several machines commit to one repository: branch heads move by compare-and-swap in the database, and
 * of two concurrent commits on one branch one wins and the other is `CONFLICT`.
 */
export async function createPostgresDataEngine(options: PostgresDataEngineOptions): Promise<DataEngine> {
  const { connectionString, pool, schema, maxConnections, objectsRoot, objects, ...rest } = options;
  if ((objectsRoot === undefined) === (objects === undefined)) {
    throw new MlstackError("INVALID_ARGUMENT", "a Postgres DataEngine needs exactly one of objectsRoot or objects");
  }
  const refs = await PostgresRefStorage.open({
    ...(connectionString === undefined ? {} : { connectionString }),
    ...(pool === undefined ? {} : { pool }),
    ...(schema === undefined ? {} : { schema }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
  });
  let storage: PostgresDataStorage;
  if (objects !== undefined) {
    storage = new PostgresDataStorage(refs, objects);
  } else {
    const owned = new FilesystemObjectStorage(objectsRoot as string);
    storage = new PostgresDataStorage(refs, owned, () => owned.close());
  }
  return createDataEngine({ ...rest, storage });
}
