/** Webhook endpoints in the graph: endpoints with their delivery log, their mutations, and the team `events` subscription. */
import { filter, pipe } from 'graphql-yoga';
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import * as webhooks from './service.js';
import { fullRowWith } from '../../infra/db/query.js';
import type { TeamEvent as TeamEventPayload } from './events.js';

const orNull = <T>(p: Promise<T>) => p.catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e)));

export const TeamEvent = builder.objectRef<TeamEventPayload>('TeamEvent').implement({
  authScopes: readableWith.webhooks,
  description: 'An event of the team, as webhook endpoints receive it (`{type, timestamp, data}`); `id` is the `webhook-id` header.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type', { description: 'One of `webhookEventTypes`.' }),
    timestamp: t.field({ type: 'DateTime', resolve: (e) => e.timestamp }),
    data: t.field({ type: 'JSON', resolve: (e) => e.data }),
  }),
});

const WebhookEventTypeInfo = builder.objectRef<{ type: string; description: string }>('WebhookEventType').implement({
  authScopes: readableWith.webhooks,
  fields: (t) => ({ type: t.exposeString('type'), description: t.exposeString('description') }),
});

export const WebhookEndpoint = builder.prismaObject('WebhookEndpoint', {
  authScopes: readableWith.webhooks,
  description: 'Where the team’s events are POSTed, signed the Standard Webhooks way; the secret is shown only on creation and rotation.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    events: t.exposeStringList('events', { description: 'The event types it receives; empty: all of them.' }),
    enabled: t.exposeBoolean('enabled'),
    deliveries: t.relatedConnection('deliveries', {
      cursor: 'id',
      description: 'The delivery log, newest first.',
      query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
    }, { authScopes: readableWith.webhooks }, { authScopes: readableWith.webhooks }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('WebhookEndpoint', (ctx, id) => webhooks.getEndpoint(ctx, id), { prefix: 'we_' });

builder.prismaObject('WebhookDeliveryAttempt', {
  authScopes: readableWith.webhooks,
  description: 'One HTTP attempt of a delivery.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'null: no HTTP answer (refused, unreachable, timed out).' }),
    error: t.exposeString('error', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
    responseBody: t.exposeString('responseBody', { nullable: true, description: 'The start of the response (at most 1 KB).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the attempt started.' }),
  }),
});

export const WebhookDelivery = builder.prismaObject('WebhookDelivery', {
  authScopes: readableWith.webhooks,
  description: 'One event to one endpoint: retried on the schedule until it succeeds or gives up.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'pending, succeeded or failed.' }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    endpoint: t.relation('endpoint'),
    event: t.field({ type: TeamEvent, select: { event: true }, resolve: (d) => webhooks.teamEvent(d.event) }),
    attemptLog: t.relation('attemptLog', { query: { orderBy: { attempt: 'asc' } } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('WebhookDelivery', (ctx, id) => webhooks.getDeliveryById(ctx, id), { prefix: 'dlv_' });

const EndpointWithSecret = builder.objectRef<webhooks.EndpointWithSecret>('WebhookEndpointWithSecret').implement({
  authScopes: readableWith.webhooks,
  description: 'An endpoint and its signing secret (`whsec_…`): the secret is shown only here.',
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpoint, resolve: (r) => r.endpoint }),
    secret: t.exposeString('secret'),
  }),
});

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'http or https; private addresses are refused.' }),
    events: t.stringList({ required: false, description: 'Event types to receive; omitted or empty: all.' }),
    description: t.string({ required: false }),
    enabled: t.boolean({ required: false }),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  description: 'Only the given fields change; description null clears it.',
  fields: (t) => ({
    url: t.string({ required: false }),
    events: t.stringList({ required: false }),
    description: t.string({ required: false }),
    enabled: t.boolean({ required: false }),
  }),
});

/** GraphQL nulls mean "not given", except where null clears a field. */
const given = <T extends Record<string, unknown>>(o: T, nullable: string[] = []) =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && (v !== null || nullable.includes(k))));

builder.queryFields((t) => ({
  webhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => orNull(webhooks.getEndpoint(ctx, String(id), query)),
  }),
  webhookEndpoints: t.prismaConnection({
    type: 'WebhookEndpoint',
    cursor: 'id',
    description: 'The team’s webhook endpoints, newest first.',
    resolve: (query, _root, _args, ctx) => webhooks.findEndpoints(ctx, query),
  }, { authScopes: readableWith.webhooks }, { authScopes: readableWith.webhooks }),
  webhookDelivery: t.prismaField({
    type: 'WebhookDelivery',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => orNull(webhooks.getDeliveryById(ctx, String(id), query)),
  }),
  webhookEventTypes: t.field({
    type: [WebhookEventTypeInfo],
    description: 'The event types endpoints can subscribe to and `events` streams.',
    resolve: (_root, _args, ctx) => webhooks.eventTypes(ctx),
  }),
}));

const byId = (t: any) => ({ id: t.arg.id({ required: true }) });

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: EndpointWithSecret,
    errors: mutationErrors,
    description: 'Creates an endpoint; its signing secret is shown once, here.',
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) => webhooks.createEndpoint(ctx, given(input, ['description'])),
  }),
  updateWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    errors: mutationErrors,
    args: { ...byId(t), input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: (_q, _root, { id, input }, ctx) => webhooks.updateEndpoint(ctx, String(id), given(input, ['description'])),
  }),
  deleteWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    errors: mutationErrors,
    description: 'Deletes the endpoint and its delivery log; returns it as it was.',
    args: byId(t),
    // The row goes away: load it whole, with the selected relations (a selection of only `__typename` is an empty Prisma select).
    resolve: (query, _root, { id }, ctx) => webhooks.deleteEndpoint(ctx, String(id), fullRowWith('WebhookEndpoint', query)),
  }),
  rotateWebhookSecret: t.field({
    type: EndpointWithSecret,
    errors: mutationErrors,
    description: 'A new signing secret, shown once; the old one stops at once.',
    args: byId(t),
    resolve: (_root, { id }, ctx) => webhooks.rotateSecret(ctx, String(id)),
  }),
  testWebhookEndpoint: t.prismaField({
    type: 'WebhookDelivery',
    errors: mutationErrors,
    description: 'Sends a `webhook.test` event to the endpoint now; returns the delivery after that attempt.',
    args: byId(t),
    resolve: (_q, _root, { id }, ctx) => webhooks.testEndpoint(ctx, String(id)),
  }),
  redeliverWebhookDelivery: t.prismaField({
    type: 'WebhookDelivery',
    errors: mutationErrors,
    description: 'Delivers again now, with the same webhook-id; returns the delivery with its attempt queued.',
    args: byId(t),
    resolve: (_q, _root, { id }, ctx) => webhooks.redeliver(ctx, null, String(id)),
  }),
}));

builder.subscriptionField('events', (t) =>
  t.field({
    type: TeamEvent,
    description: 'The team’s events as they are emitted (the same ones webhook endpoints receive); `types` narrows them. Needs webhook:read.',
    args: { types: t.arg.stringList({ required: false }) },
    subscribe: (_root, { types }, ctx) => {
      let wanted: (e: TeamEventPayload) => boolean;
      try {
        wanted = webhooks.eventFilter(ctx, types);
      } catch (err) {
        // Reported as the subscription's error (like the other subscriptions), not as a result.
        return (async function* (): AsyncGenerator<TeamEventPayload> {
          throw err;
        })();
      }
      // pipe/filter (not a for-await loop) so that unsubscribing ends the pubsub subscription at once.
      return pipe(ctx.deps.pubsub.subscribe('team.event', ctx.actor.teamId), filter(wanted));
    },
    resolve: (e) => e,
  }),
);
