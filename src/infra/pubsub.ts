/**
 * Typed pubsub for subscriptions: in-process by default, Redis when REDIS_URL
 * is set so that events cross processes. Services publish after their write
 * committed; schema files subscribe. Each topic has one publisher module.
 * Generic over the topic map: the topics themselves are src/events.ts.
 */
import { createPubSub, type PubSub as YogaPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import { watchRedis } from './redis.js';

/**
 * What a topic map looks like: topic name → the publish arguments
 * ([key, payload], or [payload] for a topic every subscriber hears). The
 * application's map is src/events.ts, composed from each module's events.ts,
 * so that infra names no module. The bound is graphql-yoga's own.
 */
export type TopicMap = { [topic: string]: [] | [any] | [number | string, any] };

/** A pubsub typed by its topic map (the application's is src/events.ts). */
export type PubSub<T extends TopicMap> = YogaPubSub<T>;

export interface PubSubHandle<T extends TopicMap> {
  pubsub: PubSub<T>;
  close(): Promise<void>;
}

/**
 * The Redis event target sends PUBLISH, SUBSCRIBE and UNSUBSCRIBE without
 * awaiting them. While Redis is away each one fails after its retries, and an
 * unhandled rejection would stop the process: their failures are logged
 * instead. A SUBSCRIBE that failed is sent again once the client is ready
 * (ioredis resubscribes by itself only to channels it had subscribed), so a
 * subscription made during an outage starts carrying events when Redis is back.
 */
function settleInBackground(client: Redis, log?: Logger): void {
  const publish = client.publish.bind(client) as (channel: string, message: string) => Promise<number>;
  const subscribe = client.subscribe.bind(client) as (channel: string) => Promise<unknown>;
  const unsubscribe = client.unsubscribe.bind(client) as (channel: string) => Promise<unknown>;
  const subscribeUntilDone = (channel: string): Promise<unknown> => {
    const sent = subscribe(channel);
    sent.catch((err: unknown) => {
      log?.warn({ err, channel }, 'Redis SUBSCRIBE failed; sent again when Redis is back');
      client.once('ready', () => void subscribeUntilDone(channel));
    });
    return sent;
  };
  const logged = <T>(what: string, sent: Promise<T>, channel: string): Promise<T> => {
    sent.catch((err: unknown) => log?.warn({ err, channel }, `Redis ${what} failed`));
    return sent;
  };
  Object.assign(client, {
    publish: (channel: string, message: string) => logged('PUBLISH (an event was not delivered to other processes)', publish(channel, message), channel),
    subscribe: (channel: string) => subscribeUntilDone(channel),
    unsubscribe: (channel: string) => logged('UNSUBSCRIBE', unsubscribe(channel), channel),
  });
}

/** The pubsub of topic map T (the application passes src/events.ts' Topics). */
export function createAppPubSub<T extends TopicMap>(redisUrl: string | null, log?: Logger): PubSubHandle<T> {
  if (!redisUrl) return { pubsub: createPubSub<T>(), close: async () => {} };
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  if (log) {
    watchRedis(publishClient, log, 'pubsub (publish)');
    watchRedis(subscribeClient, log, 'pubsub (subscribe)');
  }
  settleInBackground(publishClient, log);
  settleInBackground(subscribeClient, log);
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<T>({ eventTarget }),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
