/**
 * A team's webhook endpoints: create, read, list, update, delete, and rotate
 * the signing secret. The URL passes the outbound guard's checks when it is
 * saved (and again at every delivery, when its name is resolved).
 */
import type { Prisma, WebhookEndpoint } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { checkOutboundUrl, OutboundRefused } from '../../infra/safe-fetch.js';
import { generateWebhookSecret } from '../../infra/webhook-signing.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { CreateWebhookInput, UpdateWebhookInput, WebhookListInput } from './inputs.js';
import { endpointNotFound, findEndpoint, hexId, type PrismaQuery } from './lookups.js';

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
