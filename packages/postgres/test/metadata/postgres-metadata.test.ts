import { metadataStoreConformance } from "@mlstack/metadata/testing";
import { afterAll, describe } from "vitest";
import { createPostgresMetadataStore } from "../../src/index.js";
import { postgresAvailable, testPool } from "../postgres-env.js";

describe.skipIf(!postgresAvailable)("postgres metadata store", () => {
  const server = testPool();
  afterAll(() => server.cleanup());
  metadataStoreConformance({
    name: "postgres",
    create: ({ clock, ids, artifacts }) =>
      createPostgresMetadataStore({
        pool: server.pool,
        schema: server.schema(),
        clock,
        artifacts,
        ...(ids ? { ids } : {}),
      }),
  });
});
