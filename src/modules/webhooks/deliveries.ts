/**
 * An endpoint's deliveries: list and read them with their attempt log, send a
 * test event, deliver again.
 *
 * Redelivery replaces the owning job with one due now (the remaining schedule
 * continues after it if the delivery was still pending); the test action
 * makes its first attempt inside the request, with a backstop job that takes
 * over if the process dies during it.
 */
import type { Prisma, WebhookDelivery } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { parseInput } from '../../validation.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { DeliveryListInput } from './inputs.js';
import { TEST_EVENT_TYPE } from './event-types.js';
import { attemptDelivery, DELIVER_JOB, type DeliverPayload } from './attempts.js';
import { deliverAfterCommit, insertEvent } from './emit.js';
import { assertEnabled, DELIVERY_INCLUDE, deliveryNotFound, findDelivery, findEndpoint, lockDelivery, type DeliveryWithLog } from './lookups.js';

export async function listDeliveries(ctx: ServiceContext, endpointId: string, raw: unknown): Promise<Page<DeliveryWithLog>> {
  requireScope(ctx, 'webhook:read');
  const input = parseInput(DeliveryListInput, raw);
  const endpoint = await findEndpoint(ctx, endpointId);
  const where: Prisma.WebhookDeliveryWhereInput = {
    teamId: ctx.actor.teamId,
    endpointId: endpoint.id,
    ...(input.status ? { status: input.status } : {}),
    ...(input.eventType ? { event: { type: input.eventType } } : {}),
  };
  return keysetPage(input, 'a delivery', {
    anchor: (id) => ctx.deps.prisma.webhookDelivery.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.webhookDelivery.findMany({ where, include: DELIVERY_INCLUDE, ...page }),
  });
}

export async function getDelivery(ctx: ServiceContext, endpointId: string, deliveryId: string): Promise<DeliveryWithLog> {
  requireScope(ctx, 'webhook:read');
  const endpoint = await findEndpoint(ctx, endpointId);
  return findDelivery(ctx, deliveryId, { include: DELIVERY_INCLUDE }, endpoint.id) as Promise<DeliveryWithLog>;
}

/** A delivery of the team by id alone (GraphQL `node`, mutations). */
export async function getDeliveryById(ctx: ServiceContext, deliveryId: string, query: { include?: Prisma.WebhookDeliveryInclude; select?: Prisma.WebhookDeliverySelect } = {}): Promise<WebhookDelivery> {
  requireScope(ctx, 'webhook:read');
  return findDelivery(ctx, deliveryId, query);
}

/**
 * Sends a `webhook.test` event to the endpoint now and answers with the
 * delivery after that attempt. A failed test is retried like any delivery.
 */
export async function testEndpoint(ctx: ServiceContext, id: string): Promise<DeliveryWithLog> {
  requireScope(ctx, 'webhook:write');
  const endpoint = await findEndpoint(ctx, id);
  assertEnabled(endpoint);
  const { deps } = ctx;
  // The attempt runs in this request; its job is only a backstop, due after the attempt's time bound, in case this process dies during it.
  const firstAttemptAt = new Date(Date.now() + deps.config.webhooks.timeoutMs + 30_000);
  const { deliveries } = await deps.prisma.$transaction((tx) =>
    insertEvent(
      tx,
      deps,
      { teamId: ctx.actor.teamId, type: TEST_EVENT_TYPE, data: { endpointId: endpoint.id, message: 'A test event from personagraph: your endpoint receives and verifies webhooks.' } },
      { endpoint, firstAttemptAt },
    ),
  );
  deliverAfterCommit(deps);
  const d = deliveries[0]!;
  await attemptDelivery(deps, { deliveryId: d.id, step: 0 }, d.jobId);
  return getDelivery(ctx, endpoint.id, d.id);
}

/**
 * Delivers again now: the delivery's next attempt is due at once (the rest
 * of its schedule follows if it was still pending; otherwise this is one
 * attempt). Answers with the delivery, its attempt queued.
 */
export async function redeliver(ctx: ServiceContext, endpointId: string | null, deliveryId: string): Promise<DeliveryWithLog> {
  requireScope(ctx, 'webhook:write');
  const endpoint = await findEndpoint(ctx, endpointId ?? (await findDelivery(ctx, deliveryId, { select: { endpointId: true } })).endpointId);
  assertEnabled(endpoint);
  const { deps } = ctx;
  await deps.prisma.$transaction(async (tx) => {
    await lockDelivery(tx, deliveryId);
    const d = await tx.webhookDelivery.findFirst({ where: { id: deliveryId, teamId: ctx.actor.teamId, endpointId: endpoint.id } });
    if (!d) throw deliveryNotFound();
    const schedule = deps.config.webhooks.retryScheduleMs;
    let step = schedule.length;
    if (d.status === 'pending' && d.jobId) {
      const current = await tx.job.findUnique({ where: { id: d.jobId }, select: { payload: true } });
      const s = (current?.payload as Partial<DeliverPayload> | null)?.step;
      if (typeof s === 'number') step = s;
    }
    const job = await deps.jobs.enqueue(DELIVER_JOB, { deliveryId: d.id, step }, { teamId: d.teamId, tx });
    await tx.webhookDelivery.update({ where: { id: d.id }, data: { status: 'pending', jobId: job.id, nextAttemptAt: job.runAt } });
  });
  deliverAfterCommit(deps);
  return getDelivery(ctx, endpoint.id, deliveryId);
}
