import type { RedisOptions } from "ioredis";
import { closeRedisConnection, type ResolvedRedisConnection, resolveRedisConnection } from "../connection.js";
import { mapRedisError } from "../errors.js";
import type { Envelope } from "./wire.js";

/**
 * One pub/sub endpoint: a connection subscribed to this side's own channel and one that publishes.
 * ioredis subscribes again by itself after a reconnect.
 */
export class PubSub<In> {
  readonly #publisher: ResolvedRedisConnection;
  readonly #subscriber: ResolvedRedisConnection;
  readonly #ready: Promise<void>;

  constructor(options: RedisOptions, channel: string, onMessage: (envelope: Envelope<In>) => void) {
    this.#publisher = resolveRedisConnection(options);
    this.#subscriber = resolveRedisConnection(options);
    this.#subscriber.client.on("message", (from: string, text: string) => {
      if (from === channel) onMessage(JSON.parse(text) as Envelope<In>);
    });
    this.#ready = this.#subscriber.client.subscribe(channel).then(
      () => undefined,
      (error: unknown) => {
        throw mapRedisError(error, "cannot subscribe to the Redis channel");
      },
    );
    // Observed by ready(); unobserved it would be an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** Resolves once the subscription is in place. */
  ready(): Promise<void> {
    return this.#ready;
  }

  async publish<Out>(channel: string, envelope: Envelope<Out>): Promise<void> {
    try {
      await this.#publisher.client.publish(channel, JSON.stringify(envelope));
    } catch (error) {
      throw mapRedisError(error, "cannot publish to Redis");
    }
  }

  async close(): Promise<void> {
    await Promise.all([closeRedisConnection(this.#publisher), closeRedisConnection(this.#subscriber)]);
  }
}
