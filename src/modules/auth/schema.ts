/** The admin surface in the graph: the caller, API keys, teams. */
import type { ApiKey as ApiKeyRow } from '../../generated/prisma/client.js';
import { builder, readableWith, anyApiKey } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import * as auth from './service.js';

const Team = builder.objectRef<{ id: string; name: string }>('Team').implement({
  authScopes: anyApiKey,
  fields: (t) => ({ id: t.exposeID('id'), name: t.exposeString('name') }),
});

export const ApiKey = builder.objectRef<ApiKeyRow>('ApiKey').implement({
  authScopes: (key, ctx) => (key.id === ctx.actor.keyId ? true : readableWith.admin),
  description: 'An API key. The secret itself is shown only once, when created or rotated.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters, to recognise the key.' }),
    scopes: t.exposeStringList('scopes'),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute', { nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    rotatedToId: t.exposeID('rotatedToId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const Me = builder.objectRef<{ team: { id: string; name: string }; key: ApiKeyRow }>('Me').implement({
  authScopes: anyApiKey,
  fields: (t) => ({
    team: t.field({ type: Team, resolve: (m) => m.team }),
    key: t.field({ type: ApiKey, resolve: (m) => m.key }),
  }),
});

const CreatedApiKey = builder.objectRef<{ apiKey: ApiKeyRow; secret: string }>('CreatedApiKey').implement({
  authScopes: readableWith.admin,
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, resolve: (c) => c.apiKey }),
    secret: t.exposeString('secret', { description: 'The full key. Store it now: it is not shown again.' }),
  }),
});

const CreatedTeam = builder.objectRef<{ team: { id: string; name: string }; apiKey: ApiKeyRow; secret: string }>('CreatedTeam').implement({
  authScopes: readableWith.platform,
  fields: (t) => ({
    team: t.field({ type: Team, resolve: (c) => c.team }),
    apiKey: t.field({ type: ApiKey, resolve: (c) => c.apiKey }),
    secret: t.exposeString('secret'),
  }),
});

const Scope = builder.enumType('Scope', { values: auth.scopeList() });

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [Scope], required: true }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
    rateLimitPerMinute: t.int({ required: false }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({ type: Me, resolve: (_r, _a, ctx) => auth.me(ctx) }),
  apiKeys: t.field({ type: [ApiKey], resolve: (_r, _a, ctx) => auth.listApiKeys(ctx) }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    errors: mutationErrors,
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_r, { input }, ctx) => auth.createApiKey(ctx, input),
  }),
  revokeApiKey: t.field({
    type: ApiKey,
    errors: mutationErrors,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => auth.revokeApiKey(ctx, String(id)),
  }),
  rotateApiKey: t.field({
    type: CreatedApiKey,
    errors: mutationErrors,
    description: 'The new key works at once; the old one keeps working for the grace period.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => auth.rotateApiKey(ctx, String(id)),
  }),
  createTeam: t.field({
    type: CreatedTeam,
    errors: mutationErrors,
    description: 'Needs the platform scope (only the bootstrap key has it).',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => auth.createTeam(ctx, args),
  }),
}));
