/**
 * Background job kinds of the webhooks module (registered at start by src/jobs.ts):
 * - `webhook.deliver` {deliveryId, step}: one attempt of one delivery (see
 *   attempts.ts: the next attempt is a new job written with this one's outcome);
 * - `webhook.announce` {eventId}: publishes a committed event on `team.event`.
 */
import type { Deps } from '../../context.js';
import {
  ANNOUNCE_JOB,
  ANNOUNCE_JOB_MAX_ATTEMPTS,
  announceEvent,
  attemptDelivery,
  DELIVER_JOB,
  DELIVER_JOB_MAX_ATTEMPTS,
  giveUpDelivery,
  type DeliverPayload,
} from './service.js';

export function registerWebhookJobs(deps: Deps): void {
  deps.jobs.register<DeliverPayload>(DELIVER_JOB, {
    maxAttempts: DELIVER_JOB_MAX_ATTEMPTS,
    backoffMs: 1000,
    async run(payload, jc) {
      const outcome = await attemptDelivery(deps, payload, jc.job.id, jc.signal);
      return { outcome };
    },
    async onFailed(payload, error, job) {
      deps.log.warn({ deliveryId: payload.deliveryId, jobId: job.id, error }, 'webhook delivery job gave up');
      await giveUpDelivery(deps, payload.deliveryId, job.id);
    },
  });
  deps.jobs.register<{ eventId: string }>(ANNOUNCE_JOB, {
    maxAttempts: ANNOUNCE_JOB_MAX_ATTEMPTS,
    backoffMs: 500,
    async run({ eventId }) {
      await announceEvent(deps, eventId);
    },
  });
}
