/**
 * The topic map: every pubsub topic, by module, with its payload (the job
 * table's counterpart, src/jobs.ts). Payload types live in each module's
 * events.ts; src/infra/pubsub.ts is generic over this map, so infra names no
 * module. Services publish on `ctx.deps.pubsub`; schema files subscribe.
 */
import type { PubSub as PubSubOf } from './infra/pubsub.js';
import type { PersonaEvent } from './modules/personas/events.js';
import type { DeployProgressEvent } from './modules/agents/events.js';
import type { ChatRunEventPayload } from './modules/chat/events.js';
import type { BatchEvent } from './modules/content/events.js';
import type { InfluencerJobEvent } from './modules/influencers/events.js';
import type { TeamEvent } from './modules/webhooks/events.js';
import type { ImportProgressEvent } from './modules/social-import/events.js';
import type { PublishStatusEvent } from './modules/publishing/events.js';
import type { EvalRunEvent } from './modules/evals/events.js';
import type { CredentialsChangedEvent } from './modules/auth/events.js';

/** Topic name → [key, payload]. Topics are keyed as each comment says, so a subscriber hears only its team's events. */
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
  /** Keyed by eval id: the events of every run an eval's executions start, so a watcher can wait for the next one; published by src/modules/evals. */
  'eval.eval': [evalId: string, payload: EvalRunEvent];
  /** Every process hears it (no key): a team's keys changed; published by src/modules/auth/key-cache.ts (credentialsChanged). */
  'auth.credentials': [payload: CredentialsChangedEvent];
};


/** The application's pubsub (Deps.pubsub): publish and subscribe are checked against Topics. */
export type PubSub = PubSubOf<Topics>;
