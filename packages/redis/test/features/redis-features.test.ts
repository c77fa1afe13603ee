import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryFeatureStorage } from "@mlstack/features";
import { featureStoreConformance } from "@mlstack/features/testing";
import { SqliteFeatureStorage } from "@mlstack/sqlite";
import { afterAll, describe } from "vitest";
import { createRedisFeatureStore } from "../../src/index.js";
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from "../redis-server.js";

const prefix = uniquePrefix("features-conformance");
const dir = mkdtempSync(join(tmpdir(), "mlstack-redis-features-"));
let n = 0;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (redisAvailable) await deletePrefix(prefix);
});

describe.skipIf(!redisAvailable)("Redis online storage", () => {
  featureStoreConformance({
    name: "redis online + memory offline",
    create: ({ clock }) =>
      createRedisFeatureStore({
        redis: REDIS_URL,
        keyPrefix: `${prefix}:${++n}`,
        offline: new MemoryFeatureStorage(),
        clock,
      }),
  });

  featureStoreConformance({
    name: "redis online + SQLite offline",
    create: ({ clock }) =>
      createRedisFeatureStore({
        redis: REDIS_URL,
        keyPrefix: `${prefix}:${++n}`,
        offline: SqliteFeatureStorage.open(join(dir, `store-${n}.db`)),
        clock,
      }),
    propertyRuns: 15,
  });
});
