/**
 * The Pothos builder every module's schema.ts adds to. Plugins: Scope auth
 * (every object type names the scopes that may read it, checked wherever the
 * type is reached; type-scopes.ts shortens the check on plain fields), Prisma
 * (types and query-aware loading, so nested selections never become N+1),
 * Relay (connections), Errors (expected failures as typed mutation results).
 */
import SchemaBuilder from '@pothos/core';
import { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import ScopeAuthPlugin from './type-scopes.js';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ErrorsPlugin from '@pothos/plugin-errors';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { ServiceContext } from '../context.js';
import { AuthenticationError, ForbiddenError } from '../errors.js';
import { SCOPES, type Scope } from '../modules/auth/scopes.js';

export type GraphQLContext = ServiceContext;

/**
 * Who may read a type: any one of these scopes (the plugin's default strategy
 * is `any`). Keep the maps static (module constants below): the plugin caches
 * each map's outcome per request by identity, so a list of a thousand records
 * costs one check.
 */
export type TypeScopes = { readonly [S in Scope]?: true };

const scopeMap = <S extends Scope>(...scopes: S[]): TypeScopes => Object.freeze(Object.fromEntries(scopes.map((s) => [s, true])));

/**
 * The read rule of each domain, used as `authScopes` on its object types.
 * A domain's read scope reads it; so do the scopes that write it, since their
 * mutations answer with the record (as the REST writes answer with its body).
 * The REST routes name the same scopes (src/modules/<domain>/rest.ts).
 */
export const readableWith = {
  /** Personas, projects, project and workspace config (GET /api/projects…, /api/v1/autousers). */
  personas: scopeMap('persona:read', 'persona:write'),
  /** EvalStudio connectors, scenarios, evals, runs and their results (GET /api/projects/:id/connectors…). */
  evals: scopeMap('eval:read', 'eval:write'),
  /** Autonomis users, agents, templates, deploys, files, skills, usage (GET /api/v1/users…). */
  agents: scopeMap('agent:read', 'agent:write'),
  /** Users' secrets, always masked: listed with agent:read (GET …/secrets), answered to secrets:write. */
  secrets: scopeMap('agent:read', 'secrets:write'),
  /** Chat runs and their events: the chat routes' scope, the only one an agent key holds. */
  chat: scopeMap('agent:chat'),
  /** API keys (GET /api/v1/api-keys); a key may also read itself (see ApiKey). */
  admin: scopeMap('admin'),
  /** A new team and its first key. */
  platform: scopeMap('platform'),
  /** Influencers, collaborations, previews, reference packs, catalogs (GET /api/v1/influencers…, /config/…). */
  characters: scopeMap('character:read', 'character:write'),
  /** What a generation would cost: the pricing catalog and every dry run of the generating mutations. */
  estimates: scopeMap('character:read', 'character:write', 'content:generate'),
  /** Content items, batches, videos (GET /api/v1/content…, /batches/:id). */
  content: scopeMap('content:read', 'content:write', 'content:generate'),
  /** A profile's voice corpus and stats (GET …/voice-stats: content:read; POST …/voice-corpus: profile:write). */
  voiceCorpus: scopeMap('content:read', 'profile:write'),
  /** The team's media files (GET /api/v1/media; uploaded and deleted with content:write). */
  mediaFiles: scopeMap('content:read', 'content:write'),
  /** A profile's media library (GET …/media-library). */
  media: scopeMap('content:read'),
  /** Social imports (GET /api/v1/social-import/jobs/:id; started with content:write). */
  imports: scopeMap('content:read', 'content:write'),
  /** Profiles and their social accounts (GET /api/v1/profiles…, /accounts…). */
  profiles: scopeMap('profile:read', 'profile:write'),
  /** Content directions: the profile's, and the drafts content:generate answers. */
  directions: scopeMap('profile:read', 'profile:write', 'content:generate'),
  /** Results of the generating profile mutations (captions, drafted directions). */
  generated: scopeMap('content:generate'),
  /** Publications and their attempts (GET /api/v1/content/:id/publish/status). */
  publishing: scopeMap('publishing:write'),
  /** Webhook endpoints, deliveries, event types and the team's events (GET /api/v1/webhooks…). */
  webhooks: scopeMap('webhook:read', 'webhook:write'),
  /** Analytics reports (GET /api/v1/analytics/…). */
  analytics: scopeMap('analytics:read'),
} as const satisfies Record<string, TypeScopes>;

/** Any API key (not an agent key): the caller's own team and key (GET /api/v1/me). */
export const anyApiKey = (_parent: unknown, ctx: ServiceContext): boolean => !ctx.actor.agentId;

/** The scopes a refusal names: every alternative that would have passed. */
function scopesOf(failure: AuthFailure): string[] {
  if (failure.kind === AuthScopeFailureType.AuthScope) return [failure.scope];
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) return failure.failures.flatMap(scopesOf);
  return [];
}

/**
 * A refused type answers like a refused service call: 403 `missing_scope`
 * naming the scope(s) (src/errors.ts), so a relation the key may not follow
 * gives a clear error on that field (null where it is nullable), never its data.
 * A check that names no scope is `anyApiKey`: an agent key is no API key (401).
 */
function refusal(failure: AuthFailure): Error {
  const scopes = [...new Set(scopesOf(failure))];
  return scopes.length ? new ForbiddenError(scopes.join(' or ')) : new AuthenticationError();
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  AuthScopes: { [S in Scope]: boolean };
}>({
  // Scope auth first, so its checks run before any other plugin's resolver wrapping.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // The key's scopes, looked up once per request (the plugin caches this map per context).
    authScopes: (ctx) => Object.fromEntries(SCOPES.map((s) => [s, ctx.actor.scopes.has(s)])) as { [S in Scope]: boolean },
    unauthorizedError: (_parent, _ctx, _info, result) => refusal(result.failure),
    // Checks run on each field of a type (runScopesOnType would use isTypeOf, which graphql-jit does not run with the context).
    runScopesOnType: false,
  },
  prisma: {
    // The client lives on the request context: one per process, created in main.ts.
    client: (ctx) => ctx.deps.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // IDs are the same opaque strings REST uses; `node` is defined in node.ts.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  errors: { defaultTypes: [] },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
builder.queryType({ description: 'Read the graph. Every field needs an API key; records of other teams are never visible.' });
builder.mutationType({ description: 'Change the graph. Expected failures come back as typed results.' });
builder.subscriptionType({ description: 'Live events over graphql-ws (or SSE), scoped to the caller’s team.' });
