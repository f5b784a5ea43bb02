/**
 * Token usage: what the user's agents used this calendar month (UTC), by
 * agent and model, against the plan's monthly quota. Usage lives on chat
 * runs (the provider's own numbers, else counted with the tokenizer).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { resolveUser, tierLimits } from '../users/service.js';

export function monthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** Plain SQL (a chat's first token waits for it): the sum as float8, a number in both drivers however large. */
const TOKENS_SINCE = `SELECT (COALESCE(SUM("promptTokens"), 0) + COALESCE(SUM("completionTokens"), 0))::float8 AS n
FROM "ChatRun" WHERE "userId" = $1 AND "createdAt" >= ($2::timestamptz AT TIME ZONE 'UTC')`;

/** Prompt + completion tokens of a user's runs this month. */
export async function tokensThisMonth(ctx: ServiceContext, userId: string): Promise<number> {
  const [row] = await ctx.deps.sql.rows<{ n: number }>('tokens_since', TOKENS_SINCE, [userId, monthStart().toISOString()]);
  return Number(row?.n ?? 0);
}

export interface UsageRow {
  agent: string;
  agentId: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface UsageReport {
  /** e.g. "2026-11" (UTC). */
  month: string;
  tier: string;
  /** The plan's monthly token quota. */
  limit: number;
  used: number;
  remaining: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  byAgent: UsageRow[];
}

export async function usage(ctx: ServiceContext, userRef: string, now = new Date()): Promise<UsageReport> {
  requireScope(ctx, 'agent:read');
  const user = await resolveUser(ctx, userRef);
  const since = monthStart(now);
  const groups = await ctx.deps.prisma.chatRun.groupBy({
    by: ['agentId', 'model'],
    where: { userId: user.id, createdAt: { gte: since } },
    _sum: { promptTokens: true, completionTokens: true },
  });
  const agents = await ctx.deps.prisma.agent.findMany({ where: { id: { in: groups.map((g) => g.agentId) } }, select: { id: true, name: true } });
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const rows: UsageRow[] = groups
    .map((g) => {
      const promptTokens = g._sum.promptTokens ?? 0;
      const completionTokens = g._sum.completionTokens ?? 0;
      return { agentId: g.agentId, agent: names.get(g.agentId) ?? g.agentId, model: g.model, promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
    })
    .filter((r) => r.totalTokens > 0)
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.model.localeCompare(b.model));
  const promptTokens = rows.reduce((n, r) => n + r.promptTokens, 0);
  const completionTokens = rows.reduce((n, r) => n + r.completionTokens, 0);
  const used = promptTokens + completionTokens;
  const limit = tierLimits(user.tier).monthlyTokens;
  return {
    month: since.toISOString().slice(0, 7),
    tier: user.tier,
    limit,
    used,
    remaining: Math.max(0, limit - used),
    promptTokens,
    completionTokens,
    totalTokens: used,
    byAgent: rows,
  };
}
