/** The admin surface: who am I, API keys, teams. Mirrored in GraphQL. */
import * as inputs from './inputs.js';
import type { ApiKey } from '../../generated/prisma/client.js';
import { created, ok, type Route } from '../../rest/route.js';
import * as auth from './service.js';
import * as bodies from './responses.js';

export function keyView(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    rateLimitPerMinute: k.rateLimitPerMinute,
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    rotatedToId: k.rotatedToId,
    createdAt: k.createdAt.toISOString(),
  };
}

export const authRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/health',
    scope: 'public',
    response: bodies.HealthBody,
    summary: 'Liveness (no key needed)',
    handler: async () => ok({ status: 'ok' }),
  },
  {
    method: 'GET',
    path: '/api/v1/me',
    scope: 'any',
    response: bodies.MeBody,
    summary: 'The calling key and its team',
    handler: async ({ ctx }) => {
      const { team, key } = await auth.me(ctx);
      return ok({ team, key: { id: key.id, name: key.name, prefix: key.prefix, scopes: key.scopes } });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/api-keys',
    scope: 'admin',
    response: bodies.ApiKeyWithSecretBody,
    responses: { 201: 'Created' },
    body: inputs.CreateApiKeyInput,
    summary: 'Create an API key (the secret is shown once)',
    handler: async ({ ctx, body }) => {
      const { apiKey, secret } = await auth.createApiKey(ctx, body);
      return created({ ...keyView(apiKey), key: secret });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/api-keys',
    scope: 'admin',
    response: bodies.ApiKeyListBody,
    summary: 'List the team’s API keys (never the secrets)',
    handler: async ({ ctx }) => ok({ data: (await auth.listApiKeys(ctx)).map(keyView) }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/api-keys/:id',
    scope: 'admin',
    response: bodies.ApiKeyBody,
    summary: 'Revoke an API key',
    handler: async ({ ctx, params }) => ok(keyView(await auth.revokeApiKey(ctx, params.id!))),
  },
  {
    method: 'POST',
    path: '/api/v1/api-keys/:id/rotate',
    scope: 'admin',
    response: bodies.ApiKeyRotatedBody,
    responses: { 201: 'Created' },
    summary: 'Rotate a key: the new one works at once, the old one until its grace period ends',
    handler: async ({ ctx, params }) => {
      const { apiKey, secret, previous } = await auth.rotateApiKey(ctx, params.id!);
      return created({ ...keyView(apiKey), key: secret, previous: keyView(previous) });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/teams',
    scope: 'platform',
    response: bodies.TeamCreatedBody,
    responses: { 201: 'Created' },
    body: inputs.CreateTeamInput,
    summary: 'Create a team and its first admin key (platform scope)',
    handler: async ({ ctx, body }) => {
      const { team, apiKey, secret } = await auth.createTeam(ctx, body);
      return created({ team: { id: team.id, name: team.name, createdAt: team.createdAt.toISOString() }, apiKey: { ...keyView(apiKey), key: secret } });
    },
  },
];
