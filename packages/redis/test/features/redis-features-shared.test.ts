// Two stores (two processes' worth: separate SQLite connections and Redis clients) sharing one offline
// file and one key prefix: a drop by one is seen by the other, whose cached key generation moves on.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteFeatureStorage } from "@mlstack/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisFeatureStore } from "../../src/index.js";
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from "../redis-server.js";

const prefix = uniquePrefix("features-shared");
const dir = mkdtempSync(join(tmpdir(), "mlstack-redis-shared-"));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (redisAvailable) await deletePrefix(prefix);
});

const view = {
  name: "profile",
  entities: ["customer"],
  schema: { fields: [{ name: "tier", type: "string" as const }] },
};
const definitions = {
  entities: [{ name: "customer", joinKeys: [{ name: "customer_id", type: "string" as const }] }],
  featureViews: [view],
};

describe.skipIf(!redisAvailable)("Redis online storage shared by two stores", () => {
  it("a view dropped and re-created by one store reads empty from the other, which then writes to the new keys", async () => {
    const open = () =>
      createRedisFeatureStore({
        redis: REDIS_URL,
        keyPrefix: prefix,
        offline: SqliteFeatureStorage.open(join(dir, "shared.db")),
      });
    const a = open();
    const b = open();
    try {
      const tier = async (store: typeof a) => {
        const answer = await store.getOnlineFeatures({
          entityRows: [{ customer_id: "c" }],
          features: ["profile:tier"],
        });
        return [answer.rows?.[0]?.values.tier, answer.rows?.[0]?.statuses.tier];
      };
      await a.apply(definitions);
      await a.push("profile", [{ customer_id: "c", event_timestamp: 1, tier: "gold" }]);
      expect(await tier(b)).toEqual(["gold", "PRESENT"]);

      await a.apply({ remove: [{ kind: "featureView", name: "profile" }] });
      await a.apply({ featureViews: [view] });
      expect(await tier(b)).toEqual([null, "NOT_FOUND"]);

      await b.push("profile", [{ customer_id: "c", event_timestamp: 1, tier: "silver" }]);
      expect(await tier(a)).toEqual(["silver", "PRESENT"]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
