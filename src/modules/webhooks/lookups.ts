/**
 * What the webhooks use cases share: the team-filtered reads that answer 404
 * for another team's ids, the delivery row lock, and the ids they mint.
 */
import { randomBytes } from 'node:crypto';
import type { Prisma, WebhookEndpoint } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { ConflictError, NotFoundError } from '../../errors.js';

export type Db = Prisma.TransactionClient;

export const hexId = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;
export const endpointNotFound = () => new NotFoundError('Webhook endpoint not found', 'webhook_endpoint_not_found');
export const deliveryNotFound = () => new NotFoundError('Webhook delivery not found', 'webhook_delivery_not_found');

export type PrismaQuery<Include> = { include?: Include; select?: Prisma.WebhookEndpointSelect };

/** The team's endpoint, or 404 (no scope check: callers have made it). */
export async function findEndpoint(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.WebhookEndpointInclude> = {}): Promise<WebhookEndpoint> {
  const endpoint = await ctx.deps.prisma.webhookEndpoint.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!endpoint) throw endpointNotFound();
  return endpoint;
}

export const DELIVERY_INCLUDE = { event: true, attemptLog: { orderBy: { attempt: 'asc' } } } satisfies Prisma.WebhookDeliveryInclude;
export type DeliveryWithLog = Prisma.WebhookDeliveryGetPayload<{ include: typeof DELIVERY_INCLUDE }>;

/** The team's delivery (of `endpointId` when given), or 404. */
export async function findDelivery(ctx: ServiceContext, deliveryId: string, query: { include?: Prisma.WebhookDeliveryInclude; select?: Prisma.WebhookDeliverySelect }, endpointId?: string) {
  const d = await ctx.deps.prisma.webhookDelivery.findFirst({ ...query, where: { id: deliveryId, teamId: ctx.actor.teamId, ...(endpointId ? { endpointId } : {}) } });
  if (!d) throw deliveryNotFound();
  return d;
}

export function assertEnabled(endpoint: WebhookEndpoint): void {
  if (!endpoint.enabled) throw new ConflictError('The webhook endpoint is disabled; enable it first', 'webhook_endpoint_disabled');
}

/** Holds the delivery row until the transaction ends: an attempt's outcome and a redelivery never interleave. */
export async function lockDelivery(tx: Db, id: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "WebhookDelivery" WHERE id = ${id} FOR UPDATE`;
}
