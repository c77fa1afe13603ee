import { featureStoreConformance } from "@mlstack/features/testing";
import { afterAll, describe } from "vitest";
import { createPostgresFeatureStore } from "../../src/index.js";
import { postgresAvailable, testPool } from "../postgres-env.js";

describe.skipIf(!postgresAvailable)("postgres feature store", () => {
  const server = testPool();
  afterAll(() => server.cleanup());
  featureStoreConformance({
    name: "postgres",
    // Each run creates a schema (DDL, ~0.1 s on a busy machine): half the default runs keep the file well under a minute.
    propertyRuns: 20,
    create: ({ clock }) => createPostgresFeatureStore({ pool: server.pool, schema: server.schema(), clock }),
  });
});
