/**
 * The agents' runtime log (deploys, chats, tool calls, errors), per user,
 * readable with GET /users/{user}/logs. Services write through `writeLog`;
 * it never throws (a log write must not fail the work it describes), and
 * callers must never put secret values in `message` or `data`.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';

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
