/** Outbound webhook endpoints, deliveries and redelivery (AutoPersonas family). Thin: parse, call the service, shape the body. */
import type { WebhookEndpoint } from '../../generated/prisma/client.js';
import { created, ok, type Route } from '../../rest/route.js';
import { listBody, pageOf, queryObject } from '../../rest/list.js';
import * as inputs from './inputs.js';
import * as webhooks from './service.js';
import * as bodies from './responses.js';

export function endpointBody(e: WebhookEndpoint) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function deliveryBody(d: webhooks.DeliveryWithLog) {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.event.type,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    lastAttemptAt: iso(d.lastAttemptAt),
    nextAttemptAt: iso(d.nextAttemptAt),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    event: webhooks.teamEvent(d.event),
    attemptLog: d.attemptLog.map((a) => ({
      attempt: a.attempt,
      statusCode: a.statusCode,
      error: a.error,
      durationMs: a.durationMs,
      responseBody: a.responseBody,
      createdAt: a.createdAt.toISOString(),
    })),
  };
}

const base = '/api/v1/webhooks';

export const webhookRoutes: Route[] = [
  {
    method: 'GET',
    path: `${base}/event-types`,
    scope: 'webhook:read',
    response: bodies.EventTypeListBody,
    summary: 'The event types endpoints can subscribe to',
    handler: async ({ ctx }) => ok({ data: webhooks.eventTypes(ctx) }),
  },
  {
    method: 'POST',
    path: base,
    scope: 'webhook:write',
    response: bodies.EndpointWithSecretBody,
    body: inputs.CreateWebhookInput,
    responses: { 201: 'Created; the signing secret is shown only here' },
    summary: 'Create a webhook endpoint (the signing secret is shown once)',
    handler: async ({ ctx, body }) => {
      const { endpoint, secret } = await webhooks.createEndpoint(ctx, body);
      return created({ ...endpointBody(endpoint), secret });
    },
  },
  {
    method: 'GET',
    path: base,
    scope: 'webhook:read',
    response: pageOf(bodies.EndpointBody),
    query: inputs.WebhookListInput,
    summary: 'List webhook endpoints, newest first',
    handler: async ({ ctx, query }) => ok(listBody(await webhooks.listEndpoints(ctx, queryObject(query)), endpointBody)),
  },
  {
    method: 'GET',
    path: `${base}/:id`,
    scope: 'webhook:read',
    response: bodies.EndpointBody,
    summary: 'Get a webhook endpoint',
    handler: async ({ ctx, params }) => ok(endpointBody(await webhooks.getEndpoint(ctx, params.id!))),
  },
  {
    method: 'PATCH',
    path: `${base}/:id`,
    scope: 'webhook:write',
    response: bodies.EndpointBody,
    body: inputs.UpdateWebhookInput,
    summary: 'Update a webhook endpoint’s url, events, description or enabled (only the given fields)',
    handler: async ({ ctx, params, body }) => ok(endpointBody(await webhooks.updateEndpoint(ctx, params.id!, body))),
  },
  {
    method: 'DELETE',
    path: `${base}/:id`,
    scope: 'webhook:write',
    response: bodies.EndpointDeletedBody,
    summary: 'Delete a webhook endpoint and its delivery log',
    handler: async ({ ctx, params }) => {
      const e = await webhooks.deleteEndpoint(ctx, params.id!);
      return ok({ id: e.id, deleted: true });
    },
  },
  {
    method: 'POST',
    path: `${base}/:id/rotate-secret`,
    scope: 'webhook:write',
    response: bodies.EndpointWithSecretBody,
    summary: 'Replace the signing secret (the new one is shown once; the old one stops at once)',
    handler: async ({ ctx, params }) => {
      const { endpoint, secret } = await webhooks.rotateSecret(ctx, params.id!);
      return ok({ ...endpointBody(endpoint), secret });
    },
  },
  {
    method: 'POST',
    path: `${base}/:id/test`,
    scope: 'webhook:write',
    response: bodies.DeliveryBody,
    summary: 'Send a webhook.test event now and answer with the delivery',
    handler: async ({ ctx, params }) => ok(deliveryBody(await webhooks.testEndpoint(ctx, params.id!))),
  },
  {
    method: 'GET',
    path: `${base}/:id/deliveries`,
    scope: 'webhook:read',
    response: pageOf(bodies.DeliveryBody),
    query: inputs.DeliveryListInput,
    summary: 'The endpoint’s delivery log, newest first, each with its attempts',
    handler: async ({ ctx, params, query }) => ok(listBody(await webhooks.listDeliveries(ctx, params.id!, queryObject(query)), deliveryBody)),
  },
  {
    method: 'GET',
    path: `${base}/:id/deliveries/:deliveryId`,
    scope: 'webhook:read',
    response: bodies.DeliveryBody,
    summary: 'One delivery with its attempts',
    handler: async ({ ctx, params }) => ok(deliveryBody(await webhooks.getDelivery(ctx, params.id!, params.deliveryId!))),
  },
  {
    method: 'POST',
    path: `${base}/:id/deliveries/:deliveryId/redeliver`,
    scope: 'webhook:write',
    response: bodies.DeliveryBody,
    responses: { 202: 'Accepted; the attempt is queued' },
    summary: 'Deliver again now (same webhook-id)',
    handler: async ({ ctx, params }) => ok(deliveryBody(await webhooks.redeliver(ctx, params.id!, params.deliveryId!)), 202),
  },
];
