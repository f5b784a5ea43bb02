/**
 * Seed 003's chat paths.
 * - POST …/chat waits for the reply: {"message", "agent"}.
 * - POST …/chat/stream answers text/event-stream: first `event: run` with
 *   {"runId"}, then `id: <seq>` `event: delta` {"text"} per token, and a final
 *   `event: done` {"message","usage","model"} (or `error` / `cancelled`);
 *   tool use shows as `event: tool_call` {"name","arguments"} and
 *   `event: tool_result` {"name","ok","summary"} (secrets masked); a
 *   `: ping` comment every CHAT_HEARTBEAT_MS. To resume a dropped stream, POST
 *   again with `?run=<runId>` and the `Last-Event-ID` header (or
 *   `?lastEventId=`): the events after it follow, none lost or repeated, and
 *   no new run starts. A client going away never stops its run.
 */
import * as inputs from './inputs.js';
import type { ServerResponse } from 'node:http';
import type { ServiceContext } from '../../context.js';
import { AppError, ValidationError } from '../../errors.js';
import { ok, type Route } from '../../rest/route.js';
import * as chat from './service.js';
import { ChatReplyBody } from './responses.js';

const base = '/api/v1/users/:user/agents/:agent';

function sse(ctx: ServiceContext, runId: string, agent: string, afterSeq: number) {
  return async (res: ServerResponse) => {
    const write = (s: string) => !res.destroyed && res.write(s);
    write(`event: run\ndata: ${JSON.stringify({ runId, agent })}\n\n`);
    const heartbeat = setInterval(() => write(': ping\n\n'), ctx.deps.config.chatHeartbeatMs);
    const events = chat.runEvents(ctx, runId, afterSeq);
    res.on('close', () => void events.return(undefined));
    try {
      for await (const ev of events) {
        if (res.destroyed) break;
        write(`id: ${ev.seq}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev.data)}\n\n`);
      }
    } finally {
      clearInterval(heartbeat);
      res.end();
    }
  };
}

export const chatRoutes: Route[] = [
  {
    method: 'POST',
    path: `${base}/chat`,
    scope: 'agent:chat',
    response: ChatReplyBody,
    body: inputs.ChatInput,
    summary: 'Send a message and get a response',
    handler: async ({ ctx, params, body }) => {
      const run = await chat.startChatRun(ctx, params.user!, params.agent!, body);
      for await (const ev of chat.runEvents(ctx, run.id, 0)) {
        if (ev.type === 'done') return ok({ message: ev.data.message ?? '', agent: run.agent.name });
        if (ev.type === 'error') {
          throw new AppError(ev.data.error ?? 'internal server error', { code: 'chat_failed', httpStatus: ev.data.status ?? 500, type: 'api_error' });
        }
        if (ev.type === 'cancelled') throw new AppError('the run was cancelled', { code: 'run_cancelled', httpStatus: 409, type: 'conflict' });
      }
      throw new AppError('the run ended without a reply', { code: 'chat_failed', httpStatus: 500, type: 'api_error' });
    },
  },
  {
    method: 'POST',
    path: `${base}/chat/stream`,
    scope: 'agent:chat',
   
    body: inputs.ChatInput,
    stream: true,
    summary: 'Send a message with a streaming response (SSE); resume with ?run= and Last-Event-ID',
    idempotent: false,
    handler: async ({ ctx, params, body, query, headers }) => {
      const resume = query.get('run');
      const sseHeaders = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' };
      if (resume) {
        const last = headers['last-event-id'] ?? query.get('lastEventId') ?? '0';
        const afterSeq = Number(last);
        if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new ValidationError('Last-Event-ID must be a non-negative integer', 'Last-Event-ID');
        const run = await chat.getAgentChatRun(ctx, params.user!, params.agent!, resume);
        return { status: 200, headers: sseHeaders, stream: sse(ctx, run.id, run.agent.name, afterSeq) };
      }
      const run = await chat.startChatRun(ctx, params.user!, params.agent!, body);
      return { status: 200, headers: sseHeaders, stream: sse(ctx, run.id, run.agent.name, 0) };
    },
  },
];
