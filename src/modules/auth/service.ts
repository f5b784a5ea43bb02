/**
 * Teams and API keys: authentication, key management (create, list, revoke,
 * rotate with a grace period), team creation and the first-start bootstrap.
 * Keys are stored as sha256 hashes; the secret is shown once, at creation.
 */
import type { ApiKey, Team } from '../../generated/prisma/client.js';
import type { Actor, Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AuthenticationError, NotFoundError, ValidationError } from '../../errors.js';
import { displayPrefix, generateApiKey, sha256Hex } from '../../infra/crypto.js';
import { parseInput } from '../../validation.js';
import { CreateApiKeyInput, CreateTeamInput } from './inputs.js';
import { SCOPES, TEAM_ADMIN_SCOPES, type Scope } from './scopes.js';
import { cachedKey, credentialsChanged, rememberKey } from './key-cache.js';

/** Other modules (agents, users) announce key changes through here, not through key-cache.ts. */
export { credentialsChanged } from './key-cache.js';

/** How often last-used time is written at most, per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface CreatedKey {
  apiKey: ApiKey;
  /** The full secret: returned once, never stored. */
  secret: string;
}

function isActive(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now = new Date()): boolean {
  return !key.revokedAt && (!key.expiresAt || key.expiresAt > now);
}

/** Resolves a presented key to its caller; every failure is the same 401. */
export async function authenticate(deps: Deps, presented: string | null): Promise<Actor> {
  if (!presented || presented.length < 16 || presented.length > 255 || /\s/.test(presented)) {
    throw new AuthenticationError();
  }
  return authenticateHash(deps, sha256Hex(presented));
}

/**
 * The same by the key's sha256 (what src/modules/auth/live-sessions.ts keeps
 * for each open socket or stream to check again). Uses the key cache.
 */
export async function authenticateHash(deps: Deps, hash: string): Promise<Actor> {
  const now = Date.now();
  const cached = cachedKey(deps, hash, now);
  if (cached) {
    if (cached.keyId && now - cached.lastUsedAt > LAST_USED_RESOLUTION_MS) {
      cached.lastUsedAt = now;
      await touch(deps, cached.keyId, new Date(now));
    }
    return cached.actor;
  }
  const key = await deps.prisma.apiKey.findUnique({
    where: { hash },
    include: { team: true },
  });
  if (!key) return authenticateAgentKey(deps, hash, now);
  if (!isActive(key, new Date(now))) throw new AuthenticationError();
  let lastUsedAt = key.lastUsedAt?.getTime() ?? 0;
  if (now - lastUsedAt > LAST_USED_RESOLUTION_MS) {
    lastUsedAt = now;
    await touch(deps, key.id, new Date(now));
  }
  const actor: Actor = {
    teamId: key.teamId,
    teamName: key.team.name,
    keyId: key.id,
    keyName: key.name,
    keyPrefix: key.prefix,
    scopes: new Set(key.scopes),
    rateLimitPerMinute: key.rateLimitPerMinute ?? deps.config.rateLimitPerMinute,
  };
  rememberKey(deps, hash, { actor, keyId: key.id, expiresAt: key.expiresAt?.getTime() ?? null, lastUsedAt }, now);
  return actor;
}

/** Awaited (at most once a minute per key), so the use shows by the time the caller has its answer. */
function touch(deps: Deps, keyId: string, at: Date) {
  return deps.prisma.apiKey
    .update({ where: { id: keyId }, data: { lastUsedAt: at } })
    .then(() => undefined)
    .catch((err: unknown) => deps.log.warn({ err, keyId }, 'could not record key use'));
}

/**
 * An agent's own key (Agent.keyHash, rotated with …/rotate-key): it may only
 * chat with that agent, so the caller holds `agent:chat` alone and carries
 * `agentId` (src/modules/agents/lookup.ts refuses every other agent).
 */
async function authenticateAgentKey(deps: Deps, hash: string, now: number): Promise<Actor> {
  const agent = await deps.prisma.agent.findUnique({
    where: { keyHash: hash },
    include: { user: { include: { team: true } } },
  });
  if (!agent) throw new AuthenticationError();
  const actor: Actor = {
    teamId: agent.teamId,
    teamName: agent.user.team.name,
    keyId: `agent:${agent.id}`,
    keyName: `agent ${agent.name}`,
    keyPrefix: agent.keyPrefix,
    scopes: new Set<string>(['agent:chat']),
    rateLimitPerMinute: deps.config.rateLimitPerMinute,
    agentId: agent.id,
  };
  rememberKey(deps, hash, { actor, keyId: null, expiresAt: null, lastUsedAt: now }, now);
  return actor;
}

/** Reads the key from `Authorization: Bearer …` or `X-API-Key`. */
export function presentedKey(headers: { authorization?: string | null; apiKey?: string | null }): string | null {
  const auth = headers.authorization?.trim();
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m ? m[1]! : auth; // a malformed header still fails authentication, with the same body
  }
  return headers.apiKey?.trim() || null;
}

async function insertKey(
  deps: Deps,
  teamId: string,
  data: { name: string; scopes: readonly string[]; expiresAt?: Date | null; rateLimitPerMinute?: number | null },
  secret = generateApiKey(),
): Promise<CreatedKey> {
  const apiKey = await deps.prisma.apiKey.create({
    data: {
      teamId,
      name: data.name,
      scopes: [...data.scopes],
      expiresAt: data.expiresAt ?? null,
      rateLimitPerMinute: data.rateLimitPerMinute ?? null,
      prefix: displayPrefix(secret),
      hash: sha256Hex(secret),
    },
  });
  return { apiKey, secret };
}

export async function me(ctx: ServiceContext) {
  if (ctx.actor.agentId) throw new AuthenticationError(); // an agent key is not an API key
  const key = await ctx.deps.prisma.apiKey.findUniqueOrThrow({ where: { id: ctx.actor.keyId } });
  return { team: { id: ctx.actor.teamId, name: ctx.actor.teamName }, key };
}

/**
 * The one rule for everything that hands out a credential (an API key made,
 * rotated or given with a new team; an agent key made or rotated): the caller
 * must hold every scope the new credential will hold. Refused with 400
 * `scope_not_held` naming the scopes it lacks; nothing is written.
 */
export function assertCanGrant(actor: Actor, scopes: readonly string[], param: string | null): void {
  const beyond = [...new Set(scopes)].filter((s) => !actor.scopes.has(s));
  if (beyond.length) {
    throw new ValidationError(
      `A key cannot grant scopes its creator lacks: ${beyond.join(', ')} (this API key does not hold them)`,
      param,
      'scope_not_held',
    );
  }
}

export async function createApiKey(ctx: ServiceContext, raw: unknown): Promise<CreatedKey> {
  requireScope(ctx, 'admin');
  const input = parseInput(CreateApiKeyInput, raw);
  assertCanGrant(ctx.actor, input.scopes, 'scopes');
  if (input.expiresAt && input.expiresAt <= new Date()) {
    throw new ValidationError('expiresAt must be in the future', 'expiresAt');
  }
  return insertKey(ctx.deps, ctx.actor.teamId, { ...input, scopes: [...new Set(input.scopes)] });
}

export async function listApiKeys(ctx: ServiceContext): Promise<ApiKey[]> {
  requireScope(ctx, 'admin');
  return ctx.deps.prisma.apiKey.findMany({ where: { teamId: ctx.actor.teamId }, orderBy: { createdAt: 'asc' } });
}

async function findTeamKey(ctx: ServiceContext, id: string): Promise<ApiKey> {
  const key = await ctx.deps.prisma.apiKey.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!key) throw new NotFoundError('API key not found', 'api_key_not_found');
  return key;
}

export async function revokeApiKey(ctx: ServiceContext, id: string): Promise<ApiKey> {
  requireScope(ctx, 'admin');
  const key = await findTeamKey(ctx, id);
  if (key.revokedAt) return key;
  const revoked = await ctx.deps.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
  credentialsChanged(ctx.deps, ctx.actor.teamId);
  return revoked;
}

/** Issues a replacement that works at once; the old key keeps working for the grace period. */
export async function rotateApiKey(ctx: ServiceContext, id: string): Promise<CreatedKey & { previous: ApiKey }> {
  requireScope(ctx, 'admin');
  const old = await findTeamKey(ctx, id);
  if (!isActive(old)) throw new ValidationError('Only an active key can be rotated', 'id', 'api_key_inactive');
  // The successor holds the old key's scopes, so whoever rotates must hold them all.
  assertCanGrant(ctx.actor, old.scopes, 'id');
  const graceEnd = new Date(Date.now() + ctx.deps.config.keyRotationGraceMs);
  return ctx.deps.prisma.$transaction(async (tx) => {
    const secret = generateApiKey();
    const apiKey = await tx.apiKey.create({
      data: {
        teamId: old.teamId,
        name: old.name,
        scopes: old.scopes,
        expiresAt: old.expiresAt,
        rateLimitPerMinute: old.rateLimitPerMinute,
        prefix: displayPrefix(secret),
        hash: sha256Hex(secret),
      },
    });
    const previous = await tx.apiKey.update({
      where: { id: old.id },
      data: { rotatedToId: apiKey.id, expiresAt: old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd },
    });
    return { apiKey, secret, previous };
  }).finally(() => credentialsChanged(ctx.deps, ctx.actor.teamId));
}

export async function createTeam(ctx: ServiceContext, raw: unknown): Promise<{ team: Team } & CreatedKey> {
  requireScope(ctx, 'platform');
  const input = parseInput(CreateTeamInput, raw);
  assertCanGrant(ctx.actor, TEAM_ADMIN_SCOPES, 'name');
  const team = await ctx.deps.prisma.team.create({ data: { name: input.name } });
  const created = await insertKey(ctx.deps, team.id, { name: 'admin', scopes: TEAM_ADMIN_SCOPES });
  return { team, ...created };
}

/**
 * First start on an empty database: team `default` and an admin key with every
 * scope. With BOOTSTRAP_API_KEY that exact string is (or becomes) the admin key.
 * Returns the secret only when it was created now, so it is shown once.
 */
export async function bootstrap(deps: Deps): Promise<{ team: Team; createdSecret: string | null }> {
  const wanted = deps.config.bootstrapApiKey;
  return deps.prisma.$transaction(async (tx) => {
    let team = await tx.team.findFirst({ orderBy: { createdAt: 'asc' } });
    const firstStart = !team;
    team ??= await tx.team.create({ data: { name: 'default' } });
    const scopes: Scope[] = [...SCOPES];
    if (wanted) {
      const existing = await tx.apiKey.findUnique({ where: { hash: sha256Hex(wanted) } });
      if (existing) return { team, createdSecret: null };
    } else if (!firstStart) {
      return { team, createdSecret: null };
    }
    const secret = wanted ?? generateApiKey();
    await tx.apiKey.create({
      data: { teamId: team.id, name: 'bootstrap admin', scopes, prefix: displayPrefix(secret), hash: sha256Hex(secret) },
    });
    return { team, createdSecret: secret };
  });
}

/** What EvalStudio local mode may do: the EvalStudio scopes of a team admin, nothing else. */
export const EVALSTUDIO_LOCAL_SCOPES: readonly Scope[] = ['persona:read', 'persona:write', 'eval:read', 'eval:write'];

/**
 * The caller of a keyless EvalStudio request in local mode (EVALSTUDIO_LOCAL_MODE, src/config.ts): the
 * configured team (id or name; by default the first team, the one the first start created), holding only
 * the EvalStudio scopes. Throws when that team does not exist: the server must not start then.
 */
export async function localModeActor(deps: Deps, team: string | null): Promise<Actor> {
  const found = team
    ? await deps.prisma.team.findFirst({ where: { OR: [{ id: team }, { name: team }] }, orderBy: { createdAt: 'asc' } })
    : await deps.prisma.team.findFirst({ orderBy: { createdAt: 'asc' } });
  if (!found) throw new NotFoundError(`EVALSTUDIO_LOCAL_TEAM: no team has the id or name "${team}"`);
  return {
    teamId: found.id,
    teamName: found.name,
    keyId: 'local:evalstudio',
    keyName: 'EvalStudio local mode',
    keyPrefix: '',
    scopes: new Set(EVALSTUDIO_LOCAL_SCOPES),
    rateLimitPerMinute: deps.config.rateLimitPerMinute,
  };
}

/** GraphQL enum values for scopes (`character:read` → `character_read`), mapped back by the input schema. */
export function scopeList(): Record<string, { value: string; description: string }> {
  return Object.fromEntries(SCOPES.map((s) => [s.replace(':', '_'), { value: s, description: s }]));
}
