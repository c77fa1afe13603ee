import { MlstackError, parseInput } from "@mlstack/core";
import type {
  FeatureStorage,
  OfflineBatch,
  OfflineScan,
  OnlineRecord,
  OnlineWriteResult,
  RegistrySnapshot,
  StoredRegistry,
  TimeRange,
  ViewLayout,
} from "@mlstack/features";
import { z } from "zod";
import type { RedisConnection, ResolvedRedisConnection } from "../connection.js";
import { closeRedisConnection, resolveRedisConnection } from "../connection.js";
import {
  type OnlinePlacements,
  placementOf,
  readPlacements,
  withGenerations,
  withoutGenerations,
} from "./online-placements.js";
import { type OnlineKeyExpiry, RedisOnlineStorage } from "./redis-online-storage.js";

/** Options of {@link RedisFeatureStorage} and {@link createRedisFeatureStorage}. */
export interface RedisFeatureStorageOptions {
  /** The Redis server: a client (yours to close), or a URL or ioredis options (closed with the storage). */
  readonly redis: RedisConnection;
  /** Prepended to every key this storage writes, e.g. `shop:features`; default `mlstack:features`. */
  readonly keyPrefix?: string;
  /**
   * Where offline rows, the registry and its versions live: any FeatureStorage (memory, SQLite,
   * Postgres). Its online part is not used. Closed with this storage.
   */
  readonly offline: FeatureStorage;
  /**
   * Optional key expiry: the online key of a view with a ttl expires at its event time + ttl + `graceMs`,
   * by the Redis server's clock. Off by default. See the adapters guide for what it changes.
   */
  readonly expiry?: OnlineKeyExpiry;
}

const optionsSchema = z.object({
  redis: z.union([
    z.string().min(1),
    z.custom<object>((v) => typeof v === "object" && v !== null, "expected a Redis client, URL or options"),
  ]),
  keyPrefix: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, "expected no whitespace")
    .optional(),
  offline: z.custom<FeatureStorage>(
    (v) => typeof v === "object" && v !== null && typeof (v as FeatureStorage).readRegistry === "function",
    "expected a FeatureStorage",
  ),
  expiry: z.object({ graceMs: z.number().int().nonnegative() }).strict().optional(),
});

/**
 * FeatureStore storage whose online values live in Redis and whose offline rows and registry live in
 * another storage. A view's drop and the switch of its online keys to a new generation are one
 * compare-and-swap of the registry; the old keys are deleted afterwards, and if that fails they are
 * only garbage that nothing reads (the next drop of that view deletes them again).
 */
export class RedisFeatureStorage implements FeatureStorage {
  readonly #offline: FeatureStorage;
  readonly #connection: ResolvedRedisConnection;
  readonly #online: RedisOnlineStorage;
  #placements: OnlinePlacements | undefined;
  // The newest registry version seen; placements older than it are read again before use.
  #seen = 0;

  constructor(options: RedisFeatureStorageOptions) {
    const parsed = parseInput(optionsSchema, options, "Redis feature storage options");
    this.#offline = options.offline;
    this.#connection = resolveRedisConnection(options.redis);
    this.#online = new RedisOnlineStorage(
      this.#connection.client,
      parsed.keyPrefix ?? "mlstack:features",
      parsed.expiry,
    );
  }

  async readRegistry(): Promise<StoredRegistry> {
    const stored = await this.#offline.readRegistry();
    this.#learn(readPlacements(stored.version, stored.snapshot));
    return { version: stored.version, snapshot: withoutGenerations(stored.snapshot) };
  }

  async registryVersion(): Promise<number> {
    const version = await this.#offline.registryVersion();
    if (version > this.#seen) this.#seen = version;
    return version;
  }

  async commitRegistry(next: RegistrySnapshot, expectedVersion: number, dropViews: readonly string[]): Promise<void> {
    let current = this.#placements;
    if (current?.version !== expectedVersion) {
      const stored = await this.#offline.readRegistry();
      current = readPlacements(stored.version, stored.snapshot);
      this.#learn(current);
      if (stored.version !== expectedVersion) {
        throw new MlstackError("CONFLICT", "the registry changed while this apply was being planned; apply again", {
          details: { expectedVersion, version: stored.version },
        });
      }
    }
    const version = expectedVersion + 1;
    const { snapshot, generations } = withGenerations(next, current, version, dropViews);
    await this.#offline.commitRegistry(snapshot, expectedVersion, dropViews);
    this.#learn(readPlacements(version, snapshot));
    // The drop is already decided; the old keys are unreachable garbage whether or not this succeeds.
    await Promise.allSettled(dropViews.map((view) => this.#online.purge(view, generations[view])));
  }

  appendOffline(layout: ViewLayout, batch: OfflineBatch): Promise<void> {
    return this.#offline.appendOffline(layout, batch);
  }

  scanOffline(layout: ViewLayout, range?: TimeRange): Promise<OfflineScan> {
    return this.#offline.scanOffline(layout, range);
  }

  async writeOnline(layout: ViewLayout, records: readonly OnlineRecord[]): Promise<OnlineWriteResult> {
    return this.#online.write(placementOf(await this.#current(), layout.name), layout, records);
  }

  async readOnline(layout: ViewLayout, keys: readonly string[]): Promise<(OnlineRecord | undefined)[]> {
    return this.#online.read(placementOf(await this.#current(), layout.name), layout, keys);
  }

  async getWatermark(view: string): Promise<number | undefined> {
    return this.#online.getWatermark(placementOf(await this.#current(), view));
  }

  async setWatermark(view: string, end: number): Promise<void> {
    await this.#online.setWatermark(placementOf(await this.#current(), view), end);
  }

  async close(): Promise<void> {
    await Promise.all([this.#offline.close(), closeRedisConnection(this.#connection)]);
  }

  // The placements of the newest registry seen; read again only when the registry has moved on.
  async #current(): Promise<OnlinePlacements> {
    const known = this.#placements;
    if (known !== undefined && known.version >= this.#seen) return known;
    const stored = await this.#offline.readRegistry();
    const fresh = readPlacements(stored.version, stored.snapshot);
    this.#learn(fresh);
    return fresh;
  }

  #learn(placements: OnlinePlacements): void {
    if (placements.version > this.#seen) this.#seen = placements.version;
    if (this.#placements === undefined || placements.version >= this.#placements.version) {
      this.#placements = placements;
    }
  }
}

/** FeatureStore storage with online values in Redis and everything else in `offline`. */
export function createRedisFeatureStorage(options: RedisFeatureStorageOptions): RedisFeatureStorage {
  return new RedisFeatureStorage(options);
}
