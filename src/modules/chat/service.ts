/**
 * Chat runs. A run is started by REST or GraphQL, executes in the background
 * independent of any client, and emits numbered events (delta, tool_call,
 * tool_result …, then done, error or cancelled). Every event is stored
 * before it is published on the `chat.run` topic, so a client can resume
 * after the last seq it saw, and a subscriber on another process (Redis
 * pubsub) receives the same events. A run continues a conversation
 * (src/modules/conversations/service.ts: the one named, else the caller's
 * default): the new user messages are added when the run starts, the reply
 * when it is done; a stateless run keeps nothing. Usage is stored on the run.
 *
 * A run executes in this process's memory; its row holds a lease
 * (src/infra/leases.ts) renewed while it runs. When the process dies, the
 * run is ended by whichever process sweeps it first (on start, and
 * periodically): status `error` "interrupted: the server process stopped",
 * and a final `error` event, so every stream resuming it ends. Whoever moves
 * a run out of `running` writes its one final event.
 *
 * This file is the module's entry: starting, reading, cancelling and
 * streaming runs, and ending interrupted ones; execution.ts runs a run (the
 * model and its tools) and writes its events.
 */
import { randomUUID } from 'node:crypto';
import type { Agent, ChatRun, Persona } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import type { ChatProvider, ChatTurn } from '../../infra/ai/chat.js';
import { parseInput } from '../../validation.js';
import { WorkLeases } from '../../infra/leases.js';
import { seqCursor, storedThenLive } from '../../infra/live-replay.js';
import { composeSystemPrompt, resolveAgent, resolveAgentRuntime } from '../agents/service.js';
import { userSkills } from '../skills/service.js';
import { tokensThisMonth } from '../usage/service.js';
import { TierLimitError, tierLimits } from '../users/service.js';
import { TERMINAL, type ChatRunEventPayload, type ChatRunEventType } from './events.js';
import { execute, LEASE_LOST } from './execution.js';
import { chatConversation, ConversationId } from '../conversations/service.js';
import { ChatInput } from './inputs.js';

/** How much of the kept conversation goes into a prompt. */
const HISTORY_MESSAGES = 40;
const running = new Map<string, AbortController>();
/** The leased-work kind of chat runs (src/infra/leases.ts). */
export const CHAT_RUN_WORK = 'chat.run';

const runNotFound = () => new NotFoundError('run not found', 'run_not_found');

/** The agent's provider and model (agents/runtime.ts applies the AI layer's rule), built by the AI layer. */
function providerFor(ctx: ServiceContext, agent: Agent): { provider: ChatProvider; model: string } {
  const resolved = resolveAgentRuntime(ctx.deps.config, agent);
  if (!resolved.ok) throw new ValidationError(resolved.error, 'provider', 'agent_provider_unavailable');
  return { provider: ctx.deps.ai.forChat(resolved.runtime), model: resolved.runtime.model };
}

/**
 * Starts a run and returns it at once; the reply streams as events.
 *
 * Which history it continues (src/modules/conversations/service.ts, `chatConversation`):
 * - `conversationId` (body, or `opts.conversationId` from the `X-Conversation-Id` header): that conversation;
 *   the request's messages are appended to it, then the reply.
 * - neither: the caller's default conversation with this agent (the seed's examples, unchanged).
 * - `stateless: true`, or `opts.isolated` (EvalStudio's agent connectors): the request's messages are the whole
 *   transcript; no history is read and nothing is kept, so a client that resends its transcript every turn
 *   (the OpenAI style) never gets it twice. The run has no conversation.
 */
export async function startChatRun(
  ctx: ServiceContext,
  userRef: string,
  agentRef: string,
  raw: unknown,
  opts: { isolated?: boolean; conversationId?: string } = {},
): Promise<ChatRun & { agent: Agent }> {
  requireScope(ctx, 'agent:chat');
  const input = parseInput(ChatInput, raw);
  const conversationId = sameConversation(input.conversationId, opts.conversationId);
  if (input.stateless && conversationId !== undefined) {
    throw new ValidationError('a stateless chat keeps no conversation: send a conversation id or stateless, not both', 'stateless');
  }
  const stateless = !!(opts.isolated || input.stateless);
  const agent = await resolveAgent(ctx, userRef, agentRef);
  const limits = tierLimits(agent.user.tier);
  // The quota, the prompt (skills and the embodied persona) and the conversation with its history are independent
  // reads: in parallel, since the first token waits for all of them. A conversation that is not found still fails
  // the request before the quota is judged, as when they were read one after the other.
  const [used, system, { conversation, history }] = await Promise.all([
    tokensThisMonth(ctx, agent.userId),
    Promise.all([
      userSkills(ctx, agent.userId),
      agent.personaId ? ctx.deps.sql.rows<Persona>('persona_row', 'SELECT * FROM "Persona" WHERE id = $1', [agent.personaId]).then((r) => r[0] ?? null) : null,
    ]).then(([skills, persona]) => composeSystemPrompt(ctx, { ...agent, persona }, { skills })),
    stateless ? { conversation: null, history: [] } : chatConversation(ctx, agent, conversationId, HISTORY_MESSAGES),
  ]);
  if (used >= limits.monthlyTokens) {
    throw new TierLimitError('monthlyTokens', agent.user.tier, `${limits.monthlyTokens} tokens a month (${used} used)`);
  }
  const { provider, model } = providerFor(ctx, agent);
  // The provider is called while the run and its messages are written, not after: the first token waits for
  // neither (execute stores its first event once the run exists). If the write fails, the call is aborted.
  const data = { id: randomUUID(), teamId: ctx.actor.teamId, userId: agent.userId, agentId: agent.id };
  const kept = conversation ? input.messages : [];
  const { leases } = ctx.deps;
  const controller = new AbortController();
  let release = () => {};
  let done: Promise<void> = Promise.resolve();
  const stored = ctx.deps.sql
    .rows<ChatRun>('chat_run_insert', RUN_INSERT, [
      data.id, data.teamId, data.userId, data.agentId, provider.name, model,
      kept.map(() => randomUUID()), kept.map((m) => m.role), kept.map((m) => m.content),
      leases.owner, leases.opts.leaseMs, conversation?.id ?? null,
    ])
    .then((rows) => {
      if (!rows[0]) throw conversationGone();
      // Held (renewed) once the row exists; if it is ended elsewhere meanwhile, this execution stops.
      release = leases.hold(CHAT_RUN_WORK, data.id, () => {
        controller.abort(LEASE_LOST);
        return done;
      });
      return rows[0];
    });
  const messages: ChatTurn[] = [...history.reverse().map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })), ...input.messages];
  running.set(data.id, controller);
  done = execute(ctx, data, agent, { provider, model, system, messages, signal: controller.signal, isolated: !conversation, stored }).finally(() => {
    running.delete(data.id);
    release();
  });
  try {
    return { ...(await stored), agent };
  } catch (err) {
    controller.abort();
    throw err;
  }
}

/** The body's and the header's conversation ids: either, or both when they agree. */
function sameConversation(body: string | undefined, header: string | undefined): string | undefined {
  if (header !== undefined) parseInput(ConversationId, header);
  if (body !== undefined && header !== undefined && body !== header) {
    throw new ValidationError('the X-Conversation-Id header and conversationId name different conversations', 'conversationId');
  }
  return body ?? header;
}

/** Deleted between its lookup and the run's insert. */
const conversationGone = () => new NotFoundError('conversation not found', 'conversation_not_found');

/**
 * A run and the user's messages in one statement (all or nothing): the first
 * token waits for the run's row, and Prisma's interactive transaction took
 * four round trips and ~8 ms for it. With a conversation ($12), nothing is
 * written if it was deleted meanwhile (no row comes back); its `updatedAt` moves.
 */
const RUN_INSERT = `WITH c AS (
  UPDATE "Conversation" SET "updatedAt" = now() AT TIME ZONE 'UTC' WHERE id = $12 RETURNING id
), r AS (
  INSERT INTO "ChatRun" (id, "teamId", "userId", "agentId", "conversationId", provider, model, "leaseOwner", "leaseUntil")
  SELECT $1, $2, $3, $4, $12, $5, $6, $10, ${WorkLeases.leaseUntilSql('$11')}
  WHERE $12::text IS NULL OR EXISTS (SELECT 1 FROM c) RETURNING *
), m AS (
  INSERT INTO "ChatMessage" (id, "teamId", "agentId", "conversationId", "runId", role, content)
  SELECT x.id, $2, $4, $12, r.id, x.role, x.content FROM r, unnest($7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS x(id, role, content, n) ORDER BY x.n
)
SELECT * FROM r`;

/**
 * A run and its events are read with plain SQL (src/infra/db/sql.ts): a stream waits for these reads before it
 * delivers its first live token, and Prisma's own work per statement took several times the statement here.
 */
const RUN_BY_ID = `SELECT * FROM "ChatRun" WHERE id = $1 AND "teamId" = $2`;
const RUN_EVENTS = `SELECT seq, type, data FROM "ChatRunEvent" WHERE "runId" = $1 AND seq > $2 AND ($3::int IS NULL OR seq < $3) ORDER BY seq ASC`;
const RUN_STATUS = `SELECT status FROM "ChatRun" WHERE id = $1`;

async function findRun(ctx: ServiceContext, runId: string): Promise<ChatRun> {
  const [run] = await ctx.deps.sql.rows<ChatRun>('chat_run_by_id', RUN_BY_ID, [runId, ctx.actor.teamId]);
  if (!run || (ctx.actor.agentId && run.agentId !== ctx.actor.agentId)) throw runNotFound();
  return run;
}

export async function getChatRun(ctx: ServiceContext, runId: string): Promise<ChatRun> {
  requireScope(ctx, 'agent:chat');
  return findRun(ctx, runId);
}

/** A run of the agent named in the path (SSE resume); another agent's run is not found. */
export async function getAgentChatRun(ctx: ServiceContext, userRef: string, agentRef: string, runId: string): Promise<ChatRun & { agent: Agent }> {
  requireScope(ctx, 'agent:chat');
  const agent = await resolveAgent(ctx, userRef, agentRef);
  const run = await findRun(ctx, runId);
  if (run.agentId !== agent.id) throw runNotFound();
  return { ...run, agent };
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
    // Its process may have died: if its lease has expired it is ended now (interrupted), and answered as finished.
    await ctx.deps.leases.sweep(CHAT_RUN_WORK);
    const now = await findRun(ctx, run.id);
    if (now.status === 'running') {
      throw new AppError('this run is executing on another process or was interrupted', { code: 'run_not_here', httpStatus: 409, type: 'conflict' });
    }
    return now;
  }
  return findRun(ctx, run.id);
}

/**
 * The run's events after `afterSeq`: what is stored first, then live ones,
 * without gaps or repeats (infra/live-replay.ts: subscribed before reading,
 * de-duplicated and gap-filled by seq). Ends after the terminal event; a run
 * that has finished (and is not executing here) is read to its end without waiting.
 */
export async function* runEvents(ctx: ServiceContext, runId: string, afterSeq = 0): AsyncGenerator<ChatRunEventPayload> {
  requireScope(ctx, 'agent:chat');
  const run = await findRun(ctx, runId);
  const events = async (seq: { gt: number; lt?: number }) =>
    (await ctx.deps.sql.rows<{ seq: number; type: string; data: unknown }>('chat_run_events', RUN_EVENTS, [run.id, seq.gt, seq.lt ?? null])).map(
      (e): ChatRunEventPayload => ({ runId: run.id, seq: e.seq, type: e.type as ChatRunEventType, data: e.data as ChatRunEventPayload['data'] }),
    );
  const cursor = seqCursor<ChatRunEventPayload>(afterSeq, (e) => e.seq, (last, before) => events({ gt: last, lt: before }));
  yield* storedThenLive({
    live: ctx.deps.pubsub.subscribe('chat.run', run.id),
    stored: () => events({ gt: afterSeq }),
    admit: cursor.admit,
    ends: (e) => TERMINAL.has(e.type),
    settled: async () => {
      const [current] = await ctx.deps.sql.rows<{ status: string }>('chat_run_status', RUN_STATUS, [run.id]);
      // Finished: the rest (events stored while the first read ran) is all there is.
      return current && current.status !== 'running' && !running.has(run.id) ? events({ gt: cursor.last }) : null;
    },
  });
}

/**
 * Ends runs whose process stopped (claimed by `owner` for it, src/infra/leases.ts): status `error` with the
 * interruption's message and what was said so far, a final `error` event after the last stored one, published
 * so every stream on them ends, and a line in the agent's log. One statement; runs no longer running are skipped.
 */
const RUNS_INTERRUPT = `WITH ended AS (
  UPDATE "ChatRun" r SET status = 'error', error = $3, "finishedAt" = now() AT TIME ZONE 'UTC', "leaseOwner" = NULL, "leaseUntil" = NULL,
    message = (SELECT string_agg(e.data->>'text', '' ORDER BY e.seq) FROM "ChatRunEvent" e WHERE e."runId" = r.id AND e.type = 'delta')
  WHERE r.id = ANY($1::text[]) AND r.status = 'running' AND r."leaseOwner" = $2
  RETURNING r.id, r."teamId", r."userId", r."agentId"
), ev AS (
  INSERT INTO "ChatRunEvent" ("runId", seq, type, data)
  SELECT ended.id, COALESCE((SELECT max(seq) FROM "ChatRunEvent" WHERE "runId" = ended.id), 0) + 1, 'error', $4::jsonb FROM ended
  RETURNING "runId", seq
), log AS (
  INSERT INTO "AgentLog" (id, "teamId", "userId", "agentId", level, message, data)
  SELECT gen_random_uuid()::text, ended."teamId", ended."userId", ended."agentId", 'error', 'chat run ' || ended.id || ' failed: ' || $3, jsonb_build_object('runId', ended.id)
  FROM ended
)
SELECT "runId", seq FROM ev`;

export function registerChatRunLeases(deps: Deps): void {
  deps.leases.register(CHAT_RUN_WORK, {
    table: 'ChatRun',
    running: 'running',
    async interrupt(ids, owner, message) {
      const data = { error: message, status: 503 };
      const ended = await deps.sql.rows<{ runId: string; seq: number }>('chat_runs_interrupt', RUNS_INTERRUPT, [ids, owner, message, JSON.stringify(data)]);
      for (const e of ended) deps.pubsub.publish('chat.run', e.runId, { runId: e.runId, seq: e.seq, type: 'error', data });
    },
  });
}
