/**
 * Team events: other modules emit them, the `events` subscription watches
 * them.
 *
 * `emitEvent(tx, { teamId, type, data })` is called inside the transaction
 * that made the change: it stores the event (`msg_…`, which is the
 * `webhook-id`), one delivery per enabled endpoint that wants the type, a
 * `webhook.deliver` job per delivery and a `webhook.announce` job that
 * publishes the event on the `team.event` topic (GraphQL `events`). So the
 * event exists, will be delivered and will be announced exactly when the
 * change committed. Call `deliverAfterCommit(deps)` after the commit to start
 * at once (otherwise the next job poll does).
 */
import type { Prisma, WebhookEndpoint, WebhookEvent } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { parseInput } from '../../validation.js';
import { EventTypesFilter } from './inputs.js';
import { isEventType, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';
import type { TeamEvent } from './events.js';
import { DELIVER_JOB, DELIVER_JOB_MAX_ATTEMPTS } from './attempts.js';
import { hexId, type Db } from './lookups.js';

export const ANNOUNCE_JOB = 'webhook.announce';
export const ANNOUNCE_JOB_MAX_ATTEMPTS = 5;

export interface EmitEventInput {
  teamId: string;
  type: WebhookEventType;
  data: unknown;
}

/**
 * Records a team event inside the caller's transaction: the event, one
 * delivery (and its job) per enabled endpoint of the team that wants the
 * type, and the job that announces it on the `events` subscription. Call
 * `deliverAfterCommit(deps)` once the transaction committed.
 * `emitEvent(tx, input)` and `emitEvent(tx, deps, input)` both work.
 */
export async function emitEvent(db: Db, input: EmitEventInput): Promise<TeamEvent>;
export async function emitEvent(db: Db, deps: Deps, input: EmitEventInput): Promise<TeamEvent>;
export async function emitEvent(db: Db, a: Deps | EmitEventInput, b?: EmitEventInput): Promise<TeamEvent> {
  const deps = b ? (a as Deps) : null;
  const input = (b ?? a) as EmitEventInput;
  if (!isEventType(input.type) || input.type === TEST_EVENT_TYPE) {
    throw new Error(`emitEvent: ${input.type} is not an event type; add it to src/modules/webhooks/event-types.ts`);
  }
  return (await insertEvent(db, deps, input)).event;
}

/** Starts what emitted events enqueued (deliveries, announcements) now rather than at the next poll. */
export function deliverAfterCommit(deps: Deps): void {
  deps.jobs.kick();
}

async function enqueue(db: Db, deps: Deps | null, kind: string, payload: Prisma.InputJsonValue, teamId: string, runAt = new Date()) {
  if (deps) return deps.jobs.enqueue(kind, payload, { teamId, tx: db, runAt });
  // Without deps (emitEvent(tx, input)): the same row JobQueue.enqueue writes.
  const maxAttempts = kind === DELIVER_JOB ? DELIVER_JOB_MAX_ATTEMPTS : ANNOUNCE_JOB_MAX_ATTEMPTS;
  return db.job.create({ data: { kind, payload, teamId, runAt, maxAttempts } });
}

/** The event, its deliveries with their jobs, and its announcement; `only`: one endpoint, first attempt at `firstAttemptAt` (the test action). */
export async function insertEvent(
  db: Db,
  deps: Deps | null,
  input: EmitEventInput,
  only?: { endpoint: WebhookEndpoint; firstAttemptAt: Date },
): Promise<{ event: TeamEvent; deliveries: { id: string; jobId: string }[] }> {
  const createdAt = new Date();
  const row = await db.webhookEvent.create({
    data: { id: hexId('msg_'), teamId: input.teamId, type: input.type, payload: (input.data ?? {}) as Prisma.InputJsonValue, createdAt },
  });
  const endpoints = only
    ? [only.endpoint]
    : await db.webhookEndpoint.findMany({
        where: { teamId: input.teamId, enabled: true, OR: [{ events: { isEmpty: true } }, { events: { has: input.type } }] },
        select: { id: true },
      });
  const deliveries: { id: string; jobId: string }[] = [];
  for (const e of endpoints) {
    const id = hexId('dlv_');
    const job = await enqueue(db, deps, DELIVER_JOB, { deliveryId: id, step: 0 }, input.teamId, only?.firstAttemptAt);
    await db.webhookDelivery.create({ data: { id, teamId: input.teamId, endpointId: e.id, eventId: row.id, jobId: job.id, nextAttemptAt: job.runAt } });
    deliveries.push({ id, jobId: job.id });
  }
  await enqueue(db, deps, ANNOUNCE_JOB, { eventId: row.id }, input.teamId);
  return { event: teamEvent(row), deliveries };
}

export function teamEvent(e: WebhookEvent): TeamEvent {
  return { id: e.id, type: e.type, timestamp: e.createdAt.toISOString(), data: e.payload };
}

/** The `webhook.announce` job: publishes a committed event on `team.event`. */
export async function announceEvent(deps: Deps, eventId: string): Promise<void> {
  const e = await deps.prisma.webhookEvent.findUnique({ where: { id: eventId } });
  if (e) deps.pubsub.publish('team.event', e.teamId, teamEvent(e));
}

export function eventTypes(ctx: ServiceContext) {
  requireScope(ctx, 'webhook:read');
  return WEBHOOK_EVENT_TYPES.map((e) => ({ type: e.type, description: e.description }));
}

/** Checks a caller may watch the team's events; returns the filter for `types` (null or empty: every type). */
export function eventFilter(ctx: ServiceContext, types: readonly string[] | null | undefined): (e: TeamEvent) => boolean {
  requireScope(ctx, 'webhook:read');
  const wanted = new Set<string>(parseInput(EventTypesFilter, { types: types ?? [] }).types);
  return (e) => !wanted.size || wanted.has(e.type);
}
