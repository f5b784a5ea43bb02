/**
 * The agents' runtime log (deploys, chats, tool calls, errors), per user,
 * readable with GET /users/{user}/logs. Services write through `writeLog`;
 * it never throws (a log write must not fail the work it describes), and
 * callers must never put secret values in `message` or `data`.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { parseInput } from '../../validation.js';
import { resolveUser } from '../users/service.js';
import { LogQuery } from './inputs.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export async function writeLog(
  ctx: ServiceContext,
  entry: { userId: string; agentId?: string | null; level: LogLevel; message: string; data?: Record<string, unknown> },
): Promise<void> {
  try {
    await ctx.deps.prisma.agentLog.create({
      data: {
        teamId: ctx.actor.teamId,
        userId: entry.userId,
        agentId: entry.agentId ?? null,
        level: entry.level,
        message: entry.message,
        data: (entry.data ?? {}) as Prisma.InputJsonValue,
      },
    });
  } catch (err) {
    ctx.deps.log.warn({ err, requestId: ctx.requestId }, 'could not write agent log');
  }
}

export interface LogEntry {
  time: string;
  level: LogLevel;
  /** The agent's name, or null for user-level entries. */
  agent: string | null;
  message: string;
  data: unknown;
}

/**
 * The user's runtime log, newest first: entries at `level` or above, at or
 * after `since`, at most `limit` (1–1000, default 100).
 */
export async function listLogs(ctx: ServiceContext, userRef: string, raw: { since?: unknown; level?: unknown; limit?: unknown }): Promise<LogEntry[]> {
  requireScope(ctx, 'agent:read');
  const input = parseInput(LogQuery, raw);
  const user = await resolveUser(ctx, userRef);
  const levels = input.level ? LOG_LEVELS.slice(LOG_LEVELS.indexOf(input.level)) : LOG_LEVELS;
  const rows = await ctx.deps.prisma.agentLog.findMany({
    where: { userId: user.id, level: { in: levels }, ...(input.since ? { createdAt: { gte: input.since } } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: input.limit,
    include: { agent: { select: { name: true } } },
  });
  return rows.map((r) => ({ time: r.createdAt.toISOString(), level: r.level as LogLevel, agent: r.agent?.name ?? null, message: r.message, data: r.data }));
}
