/**
 * Outbound webhooks (AutoPersonas family): a team's endpoints, the events
 * other modules emit, and their signed, retried delivery.
 *
 * - `emitEvent(tx, { teamId, type, data })` is called by other modules inside
 *   the transaction that made the change: it stores the event
 *   (`msg_…`, which is the `webhook-id`), one delivery per enabled endpoint
 *   that wants the type, a `webhook.deliver` job per delivery and a
 *   `webhook.announce` job that publishes the event on the `team.event`
 *   topic (GraphQL `events`). So the event exists, will be delivered and will
 *   be announced exactly when the change committed. Call
 *   `deliverAfterCommit(deps)` after the commit to start at once (otherwise
 *   the next job poll does).
 * - One job per delivery attempt. The delivery row names the job that owns
 *   its next attempt (`jobId`); an attempt's outcome, its log row and the job
 *   for the next attempt (`runAt` = now + the next delay of
 *   WEBHOOK_RETRY_SCHEDULE) are written in one transaction. A process that
 *   dies mid-attempt leaves the job running; it is claimed again (lease, or
 *   at start on the embedded database) and the attempt is made again with
 *   the same `webhook-id` — at least once, never lost. After the last delay
 *   the delivery is `failed`.
 * - Redelivery replaces the owning job with one due now (the remaining
 *   schedule continues after it if the delivery was still pending); the test
 *   action makes its first attempt inside the request, with a backstop job
 *   that takes over if the process dies during it.
 */
import { randomBytes } from 'node:crypto';
import type { Prisma, WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { checkOutboundUrl, OutboundFailed, OutboundRefused, safeFetch } from '../../infra/safe-fetch.js';
import { generateWebhookSecret, signWebhook } from '../../infra/webhook-signing.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { CreateWebhookInput, DeliveryListInput, EventTypesFilter, UpdateWebhookInput, WebhookListInput } from './inputs.js';
import { isEventType, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';
import type { TeamEvent } from './events.js';

export const DELIVER_JOB = 'webhook.deliver';
export const ANNOUNCE_JOB = 'webhook.announce';
/** Runs of one attempt's job (a worker dying mid-attempt, a database error) before the delivery is given up. */
export const DELIVER_JOB_MAX_ATTEMPTS = 5;
export const ANNOUNCE_JOB_MAX_ATTEMPTS = 5;
/** The most response body bytes kept per attempt. */
export const RESPONSE_START_BYTES = 1024;

export interface DeliverPayload {
  deliveryId: string;
  /** Position in the automatic schedule: 0 is the first attempt, n the n-th retry. */
  step: number;
}

type Db = Prisma.TransactionClient;

const hexId = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;
const endpointNotFound = () => new NotFoundError('Webhook endpoint not found', 'webhook_endpoint_not_found');
const deliveryNotFound = () => new NotFoundError('Webhook delivery not found', 'webhook_delivery_not_found');

// --- events ----------------------------------------------------------------------

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

async function insertEvent(
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

// --- endpoints -------------------------------------------------------------------

export type PrismaQuery<Include> = { include?: Include; select?: Prisma.WebhookEndpointSelect };

function checkUrl(ctx: ServiceContext, url: string): string {
  try {
    return checkOutboundUrl(url, ctx.deps.config.outbound).toString();
  } catch (e) {
    if (e instanceof OutboundRefused) throw new ValidationError(e.message, 'url', 'invalid_url');
    throw e;
  }
}

export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  /** The signing secret, shown on creation and rotation only. */
  secret: string;
}

export async function createEndpoint(ctx: ServiceContext, raw: unknown): Promise<EndpointWithSecret> {
  requireScope(ctx, 'webhook:write');
  const input = parseInput(CreateWebhookInput, raw);
  const url = checkUrl(ctx, input.url);
  const secret = generateWebhookSecret();
  const endpoint = await ctx.deps.prisma.webhookEndpoint.create({
    data: {
      id: hexId('we_'),
      teamId: ctx.actor.teamId,
      url,
      description: input.description ?? null,
      events: input.events ?? [],
      enabled: input.enabled ?? true,
      secret: ctx.deps.secrets.seal(secret),
    },
  });
  return { endpoint, secret };
}

export async function getEndpoint(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.WebhookEndpointInclude> = {}): Promise<WebhookEndpoint> {
  requireScope(ctx, 'webhook:read');
  return findEndpoint(ctx, id, query);
}

async function findEndpoint(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.WebhookEndpointInclude> = {}): Promise<WebhookEndpoint> {
  const endpoint = await ctx.deps.prisma.webhookEndpoint.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!endpoint) throw endpointNotFound();
  return endpoint;
}

/** The REST list: newest first, `limit` after the `starting_after` id. */
export async function listEndpoints(ctx: ServiceContext, raw: unknown): Promise<Page<WebhookEndpoint>> {
  requireScope(ctx, 'webhook:read');
  const input = parseInput(WebhookListInput, raw);
  const where: Prisma.WebhookEndpointWhereInput = { teamId: ctx.actor.teamId };
  return keysetPage(input, 'a webhook endpoint', {
    anchor: (id) => ctx.deps.prisma.webhookEndpoint.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.webhookEndpoint.findMany({ where, ...page }),
  });
}

/** The GraphQL connection's rows: Pothos supplies cursor, take, skip and the nested selection. */
export async function findEndpoints(ctx: ServiceContext, query: Prisma.WebhookEndpointFindManyArgs): Promise<WebhookEndpoint[]> {
  requireScope(ctx, 'webhook:read');
  return ctx.deps.prisma.webhookEndpoint.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

export async function updateEndpoint(ctx: ServiceContext, id: string, raw: unknown): Promise<WebhookEndpoint> {
  requireScope(ctx, 'webhook:write');
  const input = parseInput(UpdateWebhookInput, raw);
  const url = input.url === undefined ? undefined : checkUrl(ctx, input.url);
  const current = await findEndpoint(ctx, id);
  return ctx.deps.prisma.webhookEndpoint.update({
    where: { id: current.id },
    data: { url, events: input.events, description: input.description, enabled: input.enabled },
  });
}

/** Deletes the endpoint and its delivery log; pending deliveries stop. Returns it as it was (`query` loaded first). */
export async function deleteEndpoint(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.WebhookEndpointInclude> = {}): Promise<WebhookEndpoint> {
  requireScope(ctx, 'webhook:write');
  const endpoint = await findEndpoint(ctx, id, query);
  const { count } = await ctx.deps.prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id, teamId: ctx.actor.teamId } });
  if (count === 0) throw endpointNotFound();
  return endpoint;
}

/** A new signing secret, shown once; the old one stops signing at once. */
export async function rotateSecret(ctx: ServiceContext, id: string): Promise<EndpointWithSecret> {
  requireScope(ctx, 'webhook:write');
  const current = await findEndpoint(ctx, id);
  const secret = generateWebhookSecret();
  const endpoint = await ctx.deps.prisma.webhookEndpoint.update({ where: { id: current.id }, data: { secret: ctx.deps.secrets.seal(secret) } });
  return { endpoint, secret };
}

// --- deliveries ------------------------------------------------------------------

export const DELIVERY_INCLUDE = { event: true, attemptLog: { orderBy: { attempt: 'asc' } } } satisfies Prisma.WebhookDeliveryInclude;
export type DeliveryWithLog = Prisma.WebhookDeliveryGetPayload<{ include: typeof DELIVERY_INCLUDE }>;

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

async function findDelivery(ctx: ServiceContext, deliveryId: string, query: { include?: Prisma.WebhookDeliveryInclude; select?: Prisma.WebhookDeliverySelect }, endpointId?: string) {
  const d = await ctx.deps.prisma.webhookDelivery.findFirst({ ...query, where: { id: deliveryId, teamId: ctx.actor.teamId, ...(endpointId ? { endpointId } : {}) } });
  if (!d) throw deliveryNotFound();
  return d;
}

function assertEnabled(endpoint: WebhookEndpoint): void {
  if (!endpoint.enabled) throw new ConflictError('The webhook endpoint is disabled; enable it first', 'webhook_endpoint_disabled');
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

async function lockDelivery(tx: Db, id: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "WebhookDelivery" WHERE id = ${id} FOR UPDATE`;
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
