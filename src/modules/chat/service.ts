/**
 * Chat runs. A run is started by REST or GraphQL, executes in the background
 * independent of any client, and emits numbered events (delta…, then done,
 * error or cancelled). Every event is stored before it is published on the
 * `chat.run` topic, so a client can resume after the last seq it saw, and a
 * subscriber on another process (Redis pubsub) receives the same events.
 * The conversation is kept per agent; usage is stored on the run.
 */
import type { Agent, AgentUser, ChatRun, Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, NotFoundError, ValidationError, isAppError } from '../../errors.js';
import { EmbeddedChat, OpenAiChat, type ChatProvider } from '../../infra/ai/chat.js';
import { parseInput } from '../../validation.js';
import { resolveAgent, resolveUser } from '../agents/lookup.js';
import { resolveAgentRuntime } from '../agents/runtime.js';
import { composeSystemPrompt } from '../agents/templates.js';
import { writeLog } from '../logs/service.js';
import { userSkills } from '../skills/service.js';
import { TierLimitError, tierLimits } from '../users/tiers.js';
import { TERMINAL, type ChatRunEventPayload, type ChatRunEventType } from './events.js';
import { ChatInput } from './inputs.js';

/** How much of the kept conversation goes into a prompt. */
const HISTORY_MESSAGES = 40;
const running = new Map<string, AbortController>();

const runNotFound = () => new NotFoundError('run not found', 'run_not_found');

export function monthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export async function tokensThisMonth(ctx: ServiceContext, userId: string): Promise<number> {
  const sum = await ctx.deps.prisma.chatRun.aggregate({
    where: { userId, createdAt: { gte: monthStart() } },
    _sum: { promptTokens: true, completionTokens: true },
  });
  return (sum._sum.promptTokens ?? 0) + (sum._sum.completionTokens ?? 0);
}

function providerFor(ctx: ServiceContext, agent: Agent): { provider: ChatProvider; model: string } {
  const resolved = resolveAgentRuntime(ctx.deps.config, agent);
  if (!resolved.ok) throw new ValidationError(resolved.error, 'provider', 'agent_provider_unavailable');
  const rt = resolved.runtime;
  return rt.provider === 'openai'
    ? { provider: new OpenAiChat({ apiKey: rt.apiKey, baseURL: rt.baseURL }), model: rt.model }
    : { provider: new EmbeddedChat(), model: rt.model };
}

/** Starts a run and returns it at once; the reply streams as events. */
export async function startChatRun(ctx: ServiceContext, userRef: string, agentRef: string, raw: unknown): Promise<ChatRun & { agent: Agent }> {
  requireScope(ctx, 'agent:chat');
  const input = parseInput(ChatInput, raw);
  const agent = await resolveAgent(ctx, userRef, agentRef);
  const limits = tierLimits(agent.user.tier);
  const used = await tokensThisMonth(ctx, agent.userId);
  if (used >= limits.monthlyTokens) {
    throw new TierLimitError('monthlyTokens', agent.user.tier, `${limits.monthlyTokens} tokens a month (${used} used)`);
  }
  const { provider, model } = providerFor(ctx, agent);
  const system = await composeSystemPrompt(ctx, agent, { skills: await userSkills(ctx, agent.userId) });
  const history = await ctx.deps.prisma.chatMessage.findMany({
    where: { agentId: agent.id },
    orderBy: { createdAt: 'desc' },
    take: HISTORY_MESSAGES,
  });
  const run = await ctx.deps.prisma.$transaction(async (tx) => {
    const r = await tx.chatRun.create({
      data: { teamId: ctx.actor.teamId, userId: agent.userId, agentId: agent.id, provider: provider.name, model },
    });
    await tx.chatMessage.createMany({
      data: input.messages.map((m) => ({ teamId: ctx.actor.teamId, agentId: agent.id, runId: r.id, role: m.role, content: m.content })),
    });
    return r;
  });
  const messages = [...history.reverse().map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })), ...input.messages];
  const controller = new AbortController();
  running.set(run.id, controller);
  void execute(ctx, run, agent, { provider, model, system, messages, signal: controller.signal }).finally(() => running.delete(run.id));
  return { ...run, agent };
}

async function execute(
  ctx: ServiceContext,
  run: ChatRun,
  agent: Agent & { user: AgentUser },
  job: { provider: ChatProvider; model: string; system: string; messages: { role: 'user' | 'assistant'; content: string }[]; signal: AbortSignal },
): Promise<void> {
  const { prisma, pubsub } = ctx.deps;
  let seq = 0;
  const emit = async (type: ChatRunEventType, data: ChatRunEventPayload['data']) => {
    seq += 1;
    await prisma.chatRunEvent.create({ data: { runId: run.id, seq, type, data: data as Prisma.InputJsonValue } });
    pubsub.publish('chat.run', run.id, { runId: run.id, seq, type, data });
  };
  let text = '';
  let usage = { promptTokens: 0, completionTokens: 0 };
  try {
    for await (const chunk of job.provider.stream({ system: job.system, messages: job.messages, model: job.model, signal: job.signal })) {
      if (job.signal.aborted) break;
      if ('delta' in chunk) {
        text += chunk.delta;
        await emit('delta', { text: chunk.delta });
      } else usage = chunk.usage;
    }
    if (job.signal.aborted) {
      await prisma.chatRun.update({ where: { id: run.id }, data: { status: 'cancelled', message: text, ...usage, finishedAt: new Date() } });
      await emit('cancelled', { message: text });
      await writeLog(ctx, { userId: run.userId, agentId: agent.id, level: 'info', message: `chat run ${run.id} cancelled` });
      return;
    }
    const total = { ...usage, totalTokens: usage.promptTokens + usage.completionTokens };
    await prisma.$transaction([
      prisma.chatRun.update({ where: { id: run.id }, data: { status: 'done', message: text, ...usage, finishedAt: new Date() } }),
      prisma.chatMessage.create({ data: { teamId: run.teamId, agentId: agent.id, runId: run.id, role: 'assistant', content: text } }),
    ]);
    await emit('done', { message: text, model: job.model, usage: total });
    await writeLog(ctx, { userId: run.userId, agentId: agent.id, level: 'info', message: `chat run ${run.id} done`, data: { model: job.model, ...total } });
  } catch (err) {
    const safe = isAppError(err) ? { error: err.message, status: err.httpStatus } : { error: 'internal server error', status: 500 };
    if (!isAppError(err)) ctx.deps.log.error({ err, runId: run.id, requestId: ctx.requestId }, 'chat run failed');
    await prisma.chatRun
      .update({ where: { id: run.id }, data: { status: 'error', error: safe.error, message: text, ...usage, finishedAt: new Date() } })
      .catch(() => {});
    await emit('error', safe).catch(() => {});
    await writeLog(ctx, { userId: run.userId, agentId: agent.id, level: 'error', message: `chat run ${run.id} failed: ${safe.error}` });
  }
}

async function findRun(ctx: ServiceContext, runId: string): Promise<ChatRun> {
  const run = await ctx.deps.prisma.chatRun.findFirst({ where: { id: runId, teamId: ctx.actor.teamId } });
  if (!run || (ctx.actor.agentId && run.agentId !== ctx.actor.agentId)) throw runNotFound();
  return run;
}

export async function getChatRun(ctx: ServiceContext, runId: string): Promise<ChatRun> {
  requireScope(ctx, 'agent:chat');
  return findRun(ctx, runId);
}

/** Stops a running run (its last event is `cancelled`); a finished run is returned as it is. */
export async function cancelChatRun(ctx: ServiceContext, runId: string): Promise<ChatRun> {
  requireScope(ctx, 'agent:chat');
  const run = await findRun(ctx, runId);
  const controller = running.get(run.id);
  if (controller) {
    controller.abort();
    for await (const ev of runEvents(ctx, run.id, 0)) if (TERMINAL.has(ev.type)) break;
  } else if (run.status === 'running') {
    throw new AppError('this run is executing on another process or was interrupted', { code: 'run_not_here', httpStatus: 409, type: 'conflict' });
  }
  return findRun(ctx, run.id);
}

/**
 * The run's events after `afterSeq`: what is stored first, then live ones,
 * without gaps or repeats (subscribed before reading, de-duplicated by seq).
 * Ends after the terminal event.
 */
export async function* runEvents(ctx: ServiceContext, runId: string, afterSeq = 0): AsyncGenerator<ChatRunEventPayload> {
  requireScope(ctx, 'agent:chat');
  const run = await findRun(ctx, runId);
  const live = ctx.deps.pubsub.subscribe('chat.run', run.id)[Symbol.asyncIterator]();
  const firstLive = live.next(); // starts listening before the stored events are read
  try {
    let last = afterSeq;
    const stored = await ctx.deps.prisma.chatRunEvent.findMany({ where: { runId: run.id, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' } });
    for (const e of stored) {
      const ev: ChatRunEventPayload = { runId: run.id, seq: e.seq, type: e.type as ChatRunEventType, data: e.data as ChatRunEventPayload['data'] };
      last = e.seq;
      yield ev;
      if (TERMINAL.has(ev.type)) return;
    }
    const current = await ctx.deps.prisma.chatRun.findUnique({ where: { id: run.id }, select: { status: true } });
    if (current && current.status !== 'running' && !running.has(run.id)) {
      // Finished, and (re-read) nothing after `last` but possibly events stored meanwhile.
      const rest = await ctx.deps.prisma.chatRunEvent.findMany({ where: { runId: run.id, seq: { gt: last } }, orderBy: { seq: 'asc' } });
      for (const e of rest) yield { runId: run.id, seq: e.seq, type: e.type as ChatRunEventType, data: e.data as ChatRunEventPayload['data'] };
      return;
    }
    let next = firstLive;
    for (;;) {
      const { value, done } = await next;
      if (done) return;
      if (value.seq > last) {
        if (value.seq > last + 1) {
          // Missed some between reading and listening: fill the gap from the store.
          const gap = await ctx.deps.prisma.chatRunEvent.findMany({ where: { runId: run.id, seq: { gt: last, lt: value.seq } }, orderBy: { seq: 'asc' } });
          for (const e of gap) yield { runId: run.id, seq: e.seq, type: e.type as ChatRunEventType, data: e.data as ChatRunEventPayload['data'] };
        }
        last = value.seq;
        yield value;
        if (TERMINAL.has(value.type)) return;
      }
      next = live.next();
    }
  } finally {
    await live.return?.();
  }
}

export interface UsageRow {
  agent: string;
  agentId: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** This month's (UTC) tokens by agent and model, against the plan's quota. */
export async function usage(ctx: ServiceContext, userRef: string) {
  requireScope(ctx, 'agent:read');
  const user = await resolveUser(ctx, userRef);
  const since = monthStart();
  const groups = await ctx.deps.prisma.chatRun.groupBy({
    by: ['agentId', 'model'],
    where: { userId: user.id, createdAt: { gte: since } },
    _sum: { promptTokens: true, completionTokens: true },
  });
  const agents = await ctx.deps.prisma.agent.findMany({ where: { id: { in: groups.map((g) => g.agentId) } }, select: { id: true, name: true } });
  const rows: UsageRow[] = groups
    .map((g) => {
      const promptTokens = g._sum.promptTokens ?? 0;
      const completionTokens = g._sum.completionTokens ?? 0;
      return { agentId: g.agentId, agent: agents.find((a) => a.id === g.agentId)?.name ?? g.agentId, model: g.model, promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
    })
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.model.localeCompare(b.model));
  const used = rows.reduce((n, r) => n + r.totalTokens, 0);
  const limit = tierLimits(user.tier).monthlyTokens;
  return {
    month: since.toISOString().slice(0, 7),
    tier: user.tier,
    limit,
    used,
    remaining: Math.max(0, limit - used),
    promptTokens: rows.reduce((n, r) => n + r.promptTokens, 0),
    completionTokens: rows.reduce((n, r) => n + r.completionTokens, 0),
    byAgent: rows,
  };
}
