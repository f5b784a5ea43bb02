/**
 * A chat run executing in the background, independent of any client: the
 * model is asked, its tokens and tool calls become numbered events (stored,
 * then published on the `chat.run` topic), the conversation and usage are
 * recorded when it is done, and a cancelled or failed run ends with its
 * final event. Started by service.ts (`startChatRun`), which holds the run's
 * lease and its abort controller.
 *
 * Tools: the agent's enabled tools (tools.ts) are offered to the model; when
 * it calls some, they run, their results go back to the model, and it is
 * asked again, up to MAX_TOOL_ROUNDS times (the last round offers no tools,
 * so it must answer).
 */
import { randomUUID } from 'node:crypto';
import type { Agent, AgentUser, ChatRun } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { isAppError } from '../../errors.js';
import type { ChatProvider, ChatTurn, ChatUsage, ToolCall } from '../../infra/ai/chat.js';
import { writeLog } from '../logs/service.js';
import type { ChatRunEventPayload, ChatRunEventType } from './events.js';
import { AgentTools } from './tools.js';

/** Model calls per run when it keeps calling tools. */
const MAX_TOOL_ROUNDS = 5;
/** Why a run was aborted when another process (or this one, stopping) ended it: nothing is left to record. */
export const LEASE_LOST = 'the run was ended as interrupted';

/**
 * A run's events, numbered in order, each stored before it is published (so
 * a client resuming after seq N never finds a gap). Tokens are stored in
 * batches: while one INSERT is in flight the next tokens queue up and go in
 * the following one, so a fast provider is never held back by a round trip
 * per token and a busy database sees one statement per batch, not per token.
 * Other events wait until everything before them is stored and published.
 */
class RunEventWriter {
  private seq = 0;
  private pending: Array<{ seq: number; type: ChatRunEventType; data: ChatRunEventPayload['data'] }> = [];
  private draining: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly deps: Deps,
    private readonly runId: string,
    /** The run's row being written: events reference it, so the first waits for it. */
    private readonly stored: Promise<unknown>,
  ) {}

  /** Queues an event (stored and published soon, in order); a storage failure surfaces at the next emit or settle. */
  push(type: ChatRunEventType, data: ChatRunEventPayload['data']): void {
    if (this.failure) throw this.failure;
    this.pending.push({ seq: ++this.seq, type, data });
    this.kick();
  }

  /** Queues an event and waits until it (and all before it) is stored and published. */
  async emit(type: ChatRunEventType, data: ChatRunEventPayload['data']): Promise<void> {
    this.push(type, data);
    await this.settle();
  }

  /**
   * The run's final event (cancelled or error), stored and published even when a batch failed to store: then it
   * is numbered after the last event stored, since a batch that failed was never published (no subscriber or
   * resume has seen its numbers). Without it, streams on a run whose tokens could not be stored never ended.
   */
  async finish(type: 'cancelled' | 'error', data: ChatRunEventPayload['data']): Promise<void> {
    if (!this.failure) return this.emit(type, data);
    const [row] = await this.deps.sql.rows<{ seq: number }>('chat_event_after_last', EVENT_AFTER_LAST, [this.runId, type, JSON.stringify(data)]);
    this.deps.pubsub.publish('chat.run', this.runId, { runId: this.runId, seq: row!.seq, type, data });
  }

  /** Waits until every queued event is stored and published; throws if storing failed. */
  async settle(): Promise<void> {
    while (this.draining) await this.draining;
    if (this.failure) throw this.failure;
  }

  private kick(): void {
    if (this.draining || this.failure) return;
    this.draining = this.drain()
      .catch((err: unknown) => void (this.failure = err))
      .finally(() => {
        this.draining = null;
        if (this.pending.length && !this.failure) this.kick(); // queued after the loop's last look
      });
  }

  private async drain(): Promise<void> {
    await this.stored;
    while (this.pending.length) {
      const batch = this.pending.splice(0);
      await this.deps.sql.rows('chat_events_insert', EVENTS_INSERT, [this.runId, batch.map((e) => e.seq), batch.map((e) => e.type), batch.map((e) => JSON.stringify(e.data))]);
      for (const e of batch) this.deps.pubsub.publish('chat.run', this.runId, { runId: this.runId, ...e });
    }
  }
}

/**
 * A run done: its row (only if still running: a run ended meanwhile as interrupted keeps that end) and,
 * unless isolated, the reply in its conversation, in one statement: only while the run's own messages are
 * still there (a conversation reset or deleted meanwhile keeps the reply on the run alone). Returns 1 when it
 * was still running.
 */
const RUN_DONE = `WITH r AS (
  UPDATE "ChatRun" SET status = 'done', message = $2, "promptTokens" = $3, "completionTokens" = $4,
    "finishedAt" = now() AT TIME ZONE 'UTC', "leaseOwner" = NULL, "leaseUntil" = NULL
  WHERE id = $1 AND status = 'running' RETURNING id, "teamId", "agentId", "conversationId"
), m AS (
  INSERT INTO "ChatMessage" (id, "teamId", "agentId", "conversationId", "runId", role, content)
  SELECT $5, r."teamId", r."agentId", r."conversationId", r.id, 'assistant', $2 FROM r
  WHERE NOT $6::boolean AND r."conversationId" IS NOT NULL
    AND EXISTS (SELECT 1 FROM "ChatMessage" u WHERE u."runId" = r.id AND u."conversationId" = r."conversationId")
)
SELECT count(*)::int AS n FROM r`;

/** A batch of a run's events in one statement, whatever its size (one prepared statement). */
const EVENTS_INSERT = `INSERT INTO "ChatRunEvent" ("runId", seq, type, data)
SELECT $1, x.seq, x.type, x.data::jsonb FROM unnest($2::int[], $3::text[], $4::text[]) AS x(seq, type, data)`;

/** One event after the run's last stored one (RunEventWriter.finish). */
const EVENT_AFTER_LAST = `INSERT INTO "ChatRunEvent" ("runId", seq, type, data)
SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3::jsonb FROM "ChatRunEvent" WHERE "runId" = $1
RETURNING seq`;

/** Runs a run to its end (done, cancelled or error), each event stored, then published. */
export async function execute(
  ctx: ServiceContext,
  run: Pick<ChatRun, 'id' | 'teamId' | 'userId'>,
  agent: Agent & { user: AgentUser },
  job: {
    provider: ChatProvider;
    model: string;
    system: string;
    messages: ChatTurn[];
    signal: AbortSignal;
    isolated?: boolean;
    /** The run's row being written alongside the provider call; when that fails there is no run to record anything in. */
    stored: Promise<unknown>;
  },
): Promise<void> {
  const { prisma } = ctx.deps;
  const events = new RunEventWriter(ctx.deps, run.id, job.stored);
  const emit = (type: ChatRunEventType, data: ChatRunEventPayload['data']) => events.emit(type, data);
  const tools = new AgentTools(ctx, agent, job.signal);
  /** Ends the run as `status` if it is still running (else it was ended as interrupted, which wrote the final event). */
  const end = async (data: { status: 'cancelled' | 'error'; error?: string }) => {
    const { count } = await prisma.chatRun.updateMany({
      where: { id: run.id, status: 'running' },
      data: { ...data, message: text, ...usage, finishedAt: new Date(), leaseOwner: null, leaseUntil: null },
    });
    return count === 1;
  };
  const lost = () => job.signal.aborted && job.signal.reason === LEASE_LOST;
  const cancelled = async () => {
    await events.settle().catch(() => {});
    if (lost() || !(await end({ status: 'cancelled' }))) return;
    await events.finish('cancelled', { message: text });
    await writeLog(ctx, { userId: run.userId, agentId: agent.id, level: 'info', message: `chat run ${run.id} cancelled` });
  };
  const messages = [...job.messages];
  let text = '';
  const usage: ChatUsage = { promptTokens: 0, completionTokens: 0 };
  try {
    for (let round = 1; round <= MAX_TOOL_ROUNDS && !job.signal.aborted; round++) {
      const offered = round < MAX_TOOL_ROUNDS && tools.specs.length ? tools.specs : undefined;
      const calls: ToolCall[] = [];
      let said = '';
      for await (const chunk of job.provider.chat({ system: job.system, messages, model: job.model, tools: offered, signal: job.signal })) {
        if (job.signal.aborted) break;
        if ('delta' in chunk) {
          said += chunk.delta;
          text += chunk.delta;
          // Not awaited: tokens are stored in batches while the provider keeps streaming (RunEventWriter).
          events.push('delta', { text: chunk.delta });
        } else if ('toolCall' in chunk) calls.push(chunk.toolCall);
        else {
          usage.promptTokens += chunk.usage.promptTokens;
          usage.completionTokens += chunk.usage.completionTokens;
          ctx.deps.metrics.chatTokens.inc({ direction: 'prompt' }, chunk.usage.promptTokens);
          ctx.deps.metrics.chatTokens.inc({ direction: 'completion' }, chunk.usage.completionTokens);
        }
      }
      if (!calls.length || job.signal.aborted) break;
      messages.push({ role: 'assistant', content: said, toolCalls: calls });
      for (const call of calls) {
        if (job.signal.aborted) break;
        await emit('tool_call', { name: call.name, arguments: tools.visibleArguments(call) });
        const result = await tools.run(call);
        await emit('tool_result', { name: call.name, ok: result.ok, summary: result.summary });
        await writeLog(ctx, {
          userId: run.userId,
          agentId: agent.id,
          level: result.ok ? 'info' : 'warn',
          message: `tool ${call.name}: ${result.summary}`,
          data: { runId: run.id, tool: call.name, arguments: tools.visibleArguments(call), ok: result.ok },
        });
        messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: result.content });
      }
    }
    await events.settle();
    if (job.signal.aborted) return await cancelled();
    const total = { ...usage, totalTokens: usage.promptTokens + usage.completionTokens };
    const [finished] = await ctx.deps.sql.rows<{ n: number }>('chat_run_done', RUN_DONE, [run.id, text, usage.promptTokens, usage.completionTokens, randomUUID(), !!job.isolated]);
    if (finished?.n !== 1) return; // ended meanwhile as interrupted: that end stands
    await emit('done', { message: text, model: job.model, usage: total });
    await writeLog(ctx, { userId: run.userId, agentId: agent.id, level: 'info', message: `chat run ${run.id} done`, data: { model: job.model, ...total } });
  } catch (err) {
    // The run was never written (startChatRun has answered with that error and aborted the call): nothing to record.
    if (!(await job.stored.then(() => true, () => false))) return;
    // Cancelling aborts the provider's stream mid-read: that is a cancellation, not a failure.
    if (job.signal.aborted) return cancelled().catch((e: unknown) => ctx.deps.log.warn({ err: e, runId: run.id }, 'could not record a cancelled chat run'));
    const safe = isAppError(err) ? { error: err.message, status: err.httpStatus } : { error: 'internal server error', status: 500 };
    if (!isAppError(err)) ctx.deps.log.error({ err, runId: run.id, requestId: ctx.requestId }, 'chat run failed');
    await events.settle().catch(() => {});
    // Not recorded (the database failed): its lease is released when this returns, so a sweep ends it once that expires.
    if (!(await end({ status: 'error', error: safe.error }).catch(() => false))) return;
    await events.finish('error', safe).catch((e: unknown) => ctx.deps.log.warn({ err: e, runId: run.id }, 'could not record a failed chat run’s last event'));
    await writeLog(ctx, { userId: run.userId, agentId: agent.id, level: 'error', message: `chat run ${run.id} failed: ${safe.error}` });
  }
}
