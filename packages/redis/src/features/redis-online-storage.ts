import type { Field } from "@mlstack/core";
import { MlstackError } from "@mlstack/core";
import type { OnlineRecord, OnlineWriteResult, ViewLayout } from "@mlstack/features";
import type { Redis } from "ioredis";
import { mapRedisError } from "../errors.js";
import { deleteKeysMatching, escapeGlob } from "../keys.js";
import { type ValueCodec, valueCodec } from "./value-codec.js";
import { READ_ONLINE_COMMAND, READ_ONLINE_LUA, WRITE_ONLINE_COMMAND, WRITE_ONLINE_LUA } from "./write-online-script.js";

/** Where a view's online values live: its generation (a new one after every drop) and its ttl. */
export interface OnlineViewPlacement {
  readonly name: string;
  /** Changes when the view is dropped, so a view re-created under the same name starts empty. */
  readonly generation: number;
  /** The view's ttl in ms (0: none), for key expiry. */
  readonly ttl: number;
}

/** Key expiry: keys of views with a ttl expire at event time + ttl + `graceMs` (Redis server time). */
export interface OnlineKeyExpiry {
  readonly graceMs: number;
}

const READ_CHUNK = 1_000;

type WriteOnline = (args: readonly (string | number | Buffer)[]) => Promise<number>;
type ReadOnline = (args: readonly (string | number)[]) => Promise<(Buffer | null)[]>;

/**
 * The online part of the FeatureStore storage on Redis: one hash per (view, generation, entity key)
 * with the event time as text in field `e` (for the stale-write rule, a Lua script) and the encoded
 * record in `v`; a read of many keys is one script that gets every `v`; a view's materialization
 * watermark lives next to its values.
 */
export class RedisOnlineStorage {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #expiry: OnlineKeyExpiry | undefined;
  // A view's layout array is reused by the engine for every call, so its codec is built once.
  readonly #codecs = new WeakMap<readonly Field[], ValueCodec>();

  constructor(client: Redis, keyPrefix: string, expiry?: OnlineKeyExpiry) {
    this.#client = client;
    this.#prefix = keyPrefix;
    this.#expiry = expiry;
    client.defineCommand(WRITE_ONLINE_COMMAND, { lua: WRITE_ONLINE_LUA });
    client.defineCommand(READ_ONLINE_COMMAND, { lua: READ_ONLINE_LUA, readOnly: true });
  }

  /** Writes records under the stale-write rule, all in one script run (atomic on the server). */
  async write(
    view: OnlineViewPlacement,
    layout: ViewLayout,
    records: readonly OnlineRecord[],
  ): Promise<OnlineWriteResult> {
    if (records.length === 0) return { written: 0, ignored: 0 };
    const codec = this.#codec(layout);
    const base = this.#valueKey(view, "");
    const n = records.length;
    const args: (string | number | Buffer)[] = new Array(1 + 4 * n);
    args[0] = n;
    const expire = this.#expiry !== undefined && view.ttl > 0 ? view.ttl + this.#expiry.graceMs : undefined;
    for (let i = 0; i < n; i++) {
      const record = records[i] as OnlineRecord;
      args[1 + i] = base + record.key;
      args[1 + n + 3 * i] = String(record.eventTime);
      args[2 + n + 3 * i] = codec.encode(record.eventTime, record.createdTime, record.values);
      args[3 + n + 3 * i] = expire === undefined ? "" : String(record.eventTime + expire);
    }
    const command = (this.#client as unknown as Record<string, WriteOnline>)[WRITE_ONLINE_COMMAND] as WriteOnline;
    let written: number;
    try {
      written = await command.call(this.#client, args);
    } catch (error) {
      throw mapRedisError(error, `cannot write online values of view "${view.name}"`);
    }
    return { written, ignored: n - written };
  }

  /** The stored record of each key, in order, read in one round trip. */
  async read(
    view: OnlineViewPlacement,
    layout: ViewLayout,
    keys: readonly string[],
  ): Promise<(OnlineRecord | undefined)[]> {
    if (keys.length === 0) return [];
    const codec = this.#codec(layout);
    const base = this.#valueKey(view, "");
    const command = (this.#client as unknown as Record<string, ReadOnline>)[
      `${READ_ONLINE_COMMAND}Buffer`
    ] as ReadOnline;
    // Chunks keep each script short (the server runs one script at a time); they go out back to back.
    const chunks: Promise<(Buffer | null)[]>[] = [];
    for (let start = 0; start < keys.length; start += READ_CHUNK) {
      const end = Math.min(keys.length, start + READ_CHUNK);
      const args: (string | number)[] = new Array(1 + end - start);
      args[0] = end - start;
      for (let i = start; i < end; i++) args[1 + i - start] = base + keys[i];
      chunks.push(command.call(this.#client, args));
    }
    let replies: (Buffer | null)[];
    try {
      const parts = await Promise.all(chunks);
      replies = parts.length === 1 ? (parts[0] as (Buffer | null)[]) : parts.flat();
    } catch (error) {
      throw mapRedisError(error, `cannot read online values of view "${view.name}"`);
    }
    const out: (OnlineRecord | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const value = replies[i] as Buffer | null;
      if (value === null) {
        out[i] = undefined;
        continue;
      }
      if (value[0] !== 1) {
        throw new MlstackError("DATA_CORRUPTION", `online value of view "${view.name}" has an unknown format`, {
          details: { view: view.name, key: keys[i], format: value[0] },
        });
      }
      const { eventTime, createdTime, values } = codec.decode(value);
      out[i] = { key: keys[i] as string, eventTime, createdTime, values };
    }
    return out;
  }

  async getWatermark(view: OnlineViewPlacement): Promise<number | undefined> {
    try {
      const stored = await this.#client.get(this.#watermarkKey(view));
      return stored === null ? undefined : Number(stored);
    } catch (error) {
      throw mapRedisError(error, `cannot read the watermark of view "${view.name}"`);
    }
  }

  async setWatermark(view: OnlineViewPlacement, end: number): Promise<void> {
    try {
      await this.#client.set(this.#watermarkKey(view), String(end));
    } catch (error) {
      throw mapRedisError(error, `cannot set the watermark of view "${view.name}"`);
    }
  }

  /** Deletes every key of the view outside generation `keep` (all of them when `keep` is undefined). */
  async purge(view: string, keep?: number): Promise<number> {
    const kept = keep === undefined ? undefined : `${this.#prefix}:${view}:${keep}:`;
    try {
      return await deleteKeysMatching(
        this.#client,
        `${escapeGlob(`${this.#prefix}:${view}:`)}*`,
        (key) => kept !== undefined && key.startsWith(kept),
      );
    } catch (error) {
      throw mapRedisError(error, `cannot delete old online values of view "${view}"`);
    }
  }

  // View names are letters, digits, `_` and `-`, so `prefix:view:` prefixes exactly one view's keys.
  #valueKey(view: OnlineViewPlacement, key: string): string {
    return `${this.#prefix}:${view.name}:${view.generation}:k:${key}`;
  }

  #watermarkKey(view: OnlineViewPlacement): string {
    return `${this.#prefix}:${view.name}:${view.generation}:w`;
  }

  #codec(layout: ViewLayout): ValueCodec {
    let codec = this.#codecs.get(layout.fields);
    if (codec === undefined) this.#codecs.set(layout.fields, (codec = valueCodec(layout.fields)));
    return codec;
  }
}
