/**
 * Sending: one attempt of one delivery, run by the `webhook.deliver` job
 * (jobs.ts) or, for the test action, within the request.
 *
 * One job per delivery attempt. The delivery row names the job that owns its
 * next attempt (`jobId`); an attempt's outcome, its log row and the job for
 * the next attempt (`runAt` = now + the next delay of WEBHOOK_RETRY_SCHEDULE)
 * are written in one transaction. A process that dies mid-attempt leaves the
 * job running; it is claimed again (lease, or at start on the embedded
 * database) and the attempt is made again with the same `webhook-id`: at
 * least once, never lost. After the last delay the delivery is `failed`.
 */
import type { Prisma, WebhookEvent } from '../../generated/prisma/client.js';
import type { Deps } from '../../context.js';
import { OutboundFailed, OutboundRefused, safeFetch } from '../../infra/safe-fetch.js';
import { signWebhook } from '../../infra/webhook-signing.js';
import { lockDelivery } from './lookups.js';

export const DELIVER_JOB = 'webhook.deliver';
/** Runs of one attempt's job (a worker dying mid-attempt, a database error) before the delivery is given up. */
export const DELIVER_JOB_MAX_ATTEMPTS = 5;
/** The most response body bytes kept per attempt. */
export const RESPONSE_START_BYTES = 1024;

export interface DeliverPayload {
  deliveryId: string;
  /** Position in the automatic schedule: 0 is the first attempt, n the n-th retry. */
  step: number;
}

/** The request body every endpoint receives: `{type, timestamp, data}`. */
export function deliveryBody(e: WebhookEvent): string {
  return JSON.stringify({ type: e.type, timestamp: e.createdAt.toISOString(), data: e.payload });
}

export type AttemptOutcome = 'skipped' | 'succeeded' | 'retrying' | 'failed';

/**
 * One attempt of one delivery, on behalf of job `jobId` (the `webhook.deliver`
 * job, or the test action with its backstop job's id). Only the job the
 * delivery names may attempt; its outcome, log row and the next attempt's job
 * are one transaction. When `signal` aborts (the process stops, the lease was
 * lost) nothing is recorded and the error is rethrown: the job runs again.
 */
export async function attemptDelivery(deps: Deps, payload: DeliverPayload, jobId: string, signal?: AbortSignal): Promise<AttemptOutcome> {
  const { deliveryId, step } = payload;
  const d = await deps.prisma.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { endpoint: true, event: true } });
  if (!d || d.jobId !== jobId) return 'skipped'; // gone, done, or another job owns the next attempt
  if (!d.endpoint.enabled) {
    await deps.prisma.webhookDelivery.updateMany({
      where: { id: d.id, jobId },
      data: { status: 'failed', jobId: null, nextAttemptAt: null, lastError: 'the endpoint is disabled' },
    });
    return 'skipped';
  }

  const body = deliveryBody(d.event);
  const startedAt = new Date();
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  let responseBody: string | null = null;
  try {
    const res = await safeFetch(d.endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'personagraph-webhooks',
        ...signWebhook(deps.secrets.open(d.endpoint.secret), d.event.id, startedAt, body),
      },
      body,
      timeoutMs: deps.config.webhooks.timeoutMs,
      maxBytes: RESPONSE_START_BYTES,
      onTooLarge: 'truncate',
      followRedirects: false,
      policy: deps.config.outbound,
      signal,
    });
    statusCode = res.status;
    // Postgres text holds no NUL.
    responseBody = res.text().replace(/\u0000/g, '') || null;
    if (res.status < 200 || res.status > 299) {
      error = `the endpoint answered HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}`;
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    if (err instanceof OutboundRefused || err instanceof OutboundFailed) error = err.message;
    else {
      deps.log.error({ err, deliveryId }, 'webhook delivery failed unexpectedly');
      error = 'the request could not be made';
    }
  }
  const durationMs = Math.round(performance.now() - started);

  const schedule = deps.config.webhooks.retryScheduleMs;
  let retryInMs: number | null = null;
  const outcome = await deps.prisma.$transaction(async (tx): Promise<AttemptOutcome> => {
    await lockDelivery(tx, deliveryId);
    const cur = await tx.webhookDelivery.findUnique({ where: { id: deliveryId } });
    if (!cur) return 'skipped';
    const attemptId = `att_${jobId}`;
    if (await tx.webhookDeliveryAttempt.findUnique({ where: { id: attemptId }, select: { id: true } })) return 'skipped';
    const attempt = cur.attempts + 1;
    await tx.webhookDeliveryAttempt.create({ data: { id: attemptId, deliveryId, attempt, statusCode, error, durationMs, responseBody, createdAt: startedAt } });
    const data: Prisma.WebhookDeliveryUpdateInput = { attempts: attempt, lastStatusCode: statusCode, lastError: error, lastAttemptAt: startedAt };
    let result: AttemptOutcome = error ? 'failed' : 'succeeded';
    if (!error) Object.assign(data, { status: 'succeeded', jobId: null, nextAttemptAt: null });
    else if (cur.jobId === jobId) {
      if (step < schedule.length) {
        retryInMs = schedule[step]!;
        const runAt = new Date(Date.now() + retryInMs);
        const next = await deps.jobs.enqueue(DELIVER_JOB, { deliveryId, step: step + 1 }, { teamId: cur.teamId, tx, runAt });
        Object.assign(data, { status: 'pending', jobId: next.id, nextAttemptAt: runAt });
        result = 'retrying';
      } else Object.assign(data, { status: 'failed', jobId: null, nextAttemptAt: null });
    }
    // Not the owner any more (redelivered meanwhile) and failed: the owner decides what comes next.
    await tx.webhookDelivery.update({ where: { id: deliveryId }, data });
    return result;
  });
  if (retryInMs !== null && retryInMs < deps.config.jobs.pollMs) setTimeout(() => deps.jobs.kick(), retryInMs + 5).unref();
  return outcome;
}

/** The job gave up on an attempt (its worker kept dying, the database failed): the delivery must not stay pending. */
export async function giveUpDelivery(deps: Deps, deliveryId: string, jobId: string): Promise<void> {
  await deps.prisma.webhookDelivery.updateMany({
    where: { id: deliveryId, jobId },
    data: { status: 'failed', jobId: null, nextAttemptAt: null, lastError: 'the delivery could not be completed; redeliver it to try again' },
  });
}
