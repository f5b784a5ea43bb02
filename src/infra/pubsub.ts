/**
 * Typed pubsub for subscriptions: in-process by default, Redis when REDIS_URL
 * is set so that events cross processes. Services publish after their write
 * committed; schema files subscribe. Each topic has one publisher module.
 */
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import { watchRedis } from './redis.js';
import type { PersonaEvent } from '../modules/personas/events.js';
import type { DeployProgressEvent } from '../modules/agents/events.js';
import type { ChatRunEventPayload } from '../modules/chat/events.js';
import type { BatchEvent } from '../modules/content/events.js';
import type { InfluencerJobEvent } from '../modules/influencers/events.js';
import type { TeamEvent } from '../modules/webhooks/events.js';
import type { ImportProgressEvent } from '../modules/social-import/events.js';
import type { PublishStatusEvent } from '../modules/publishing/events.js';
import type { EvalRunEvent } from '../modules/evals/events.js';
import type { CredentialsChangedEvent } from '../modules/auth/events.js';

/** The topic map: topic name → payload. Topics are scoped by team id. */
export type Topics = {
  'persona.changed': [teamId: string, payload: PersonaEvent];
  /** Keyed by the Autonomis user's id (unique across teams); published by src/modules/agents/deploy.ts. */
  'deploy.progress': [userId: string, payload: DeployProgressEvent];
  /** Keyed by run id; published by src/modules/chat/service.ts. */
  'chat.run': [runId: string, payload: ChatRunEventPayload];
  /** Keyed by batch id; published by src/modules/content. */
  'content.batch': [batchId: string, payload: BatchEvent];
  /** Keyed by influencer id (or preview id for a draft); published by src/modules/influencers. */
  'influencer.job': [key: string, payload: InfluencerJobEvent];
  /** Keyed by team id: every webhook event as it is emitted; published by src/modules/webhooks. */
  'team.event': [teamId: string, payload: TeamEvent];
  /** Keyed by social import id; published by src/modules/social-import. */
  'import.progress': [importId: string, payload: ImportProgressEvent];
  /** Keyed by content item id; published by src/modules/publishing. */
  'publish.status': [contentItemId: string, payload: PublishStatusEvent];
  /** Keyed by profile id: the same events, for everything a profile publishes. */
  'profile.publish': [profileId: string, payload: PublishStatusEvent];
  /** Keyed by EvalStudio run id; published by src/modules/evals. */
  'eval.run': [runId: string, payload: EvalRunEvent];
  /** Keyed by `<projectId>:<executionId>` (runs started together); published by src/modules/evals. */
  'eval.execution': [executionKey: string, payload: EvalRunEvent];
  /** Every process hears it (no key): a team's keys changed; published by src/modules/auth/key-cache.ts (credentialsChanged). */
  'auth.credentials': [payload: CredentialsChangedEvent];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export interface PubSubHandle {
  pubsub: PubSub;
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

export function createAppPubSub(redisUrl: string | null, log?: Logger): PubSubHandle {
  if (!redisUrl) return { pubsub: createPubSub<Topics>(), close: async () => {} };
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
    pubsub: createPubSub<Topics>({ eventTarget }),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
