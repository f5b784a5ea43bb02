/**
 * What every service call receives: the process-wide dependencies and, for a
 * request, who is calling. Services take `(ctx, input)`; GraphQL resolvers and
 * REST handlers build the ctx and pass it on unchanged.
 */
import type { Config } from './config.js';
import type { PrismaClient } from './infra/db/client.js';
import type { Sql } from './infra/db/sql.js';
import type { Logger } from './infra/logger.js';
import type { SecretBox } from './infra/crypto.js';
import type { SecretVault } from './infra/vault.js';
import type { AiProviders } from './infra/ai/provider.js';
import type { PubSub } from './events.js';
import type { RateLimiter } from './infra/rate-limit.js';
import type { JobQueue } from './infra/jobs.js';
import type { WorkLeases } from './infra/leases.js';
import type { Metrics } from './infra/metrics.js';
import type { Scope } from './modules/auth/scopes.js';
import { AuthenticationError, ForbiddenError } from './errors.js';
import { TEAM_ADMIN_SCOPES } from './modules/auth/scopes.js';

export interface Deps {
  config: Config;
  prisma: PrismaClient;
  /** Plain SQL for the few hot paths where Prisma's per-query work costs more than the query (src/infra/db/sql.ts). */
  sql: Sql;
  log: Logger;
  secrets: SecretBox;
  /** Users' secrets (Autonomis): key ids, rotation, owner-bound. */
  vault: SecretVault;
  ai: AiProviders;
  pubsub: PubSub;
  rateLimiter: RateLimiter;
  /** Durable background jobs (src/infra/jobs.ts); kinds are registered in src/jobs.ts. */
  jobs: JobQueue;
  /** Leases of in-memory work (chat runs): renewed while it runs, ended as interrupted when its process died (src/infra/leases.ts). */
  leases: WorkLeases;
  /** Prometheus metrics of this process (src/infra/metrics.ts). */
  metrics: Metrics;
}

/** The authenticated caller: one API key of one team. */
export interface Actor {
  teamId: string;
  teamName: string;
  keyId: string;
  keyName: string;
  keyPrefix: string;
  scopes: ReadonlySet<string>;
  rateLimitPerMinute: number;
  /**
   * Set when the caller presented an agent key (not an API key): it holds only
   * `agent:chat` and may reach only this agent (resolveAgent refuses others).
   */
  agentId?: string;
}

export interface ServiceContext {
  deps: Deps;
  actor: Actor;
  requestId: string;
}

/**
 * Throws 403 naming the scope unless the caller's key holds it. An agent key
 * is no API key outside its agent's chat: there it answers 401, as no key would.
 */
export function requireScope(ctx: ServiceContext, scope: Scope): void {
  if (ctx.actor.scopes.has(scope)) return;
  if (ctx.actor.agentId) throw new AuthenticationError();
  throw new ForbiddenError(scope);
}

/**
 * The context background work (a durable job) runs in: on behalf of the team
 * that queued it, holding every team scope — the scope was checked when the
 * job was queued. `requestId` names the job in logs.
 */
export function jobContext(deps: Deps, teamId: string, jobId: string): ServiceContext {
  return {
    deps,
    requestId: `job:${jobId}`,
    actor: {
      teamId,
      teamName: '',
      keyId: 'job',
      keyName: 'background job',
      keyPrefix: '',
      scopes: new Set(TEAM_ADMIN_SCOPES),
      rateLimitPerMinute: Number.MAX_SAFE_INTEGER,
    },
  };
}
