/**
 * LangGraph connectors: POST {baseUrl}/threads/{threadId}/runs/wait with only
 * the messages the thread has not seen (`sentCount` tells which), creating the
 * thread on first use; the reply is every message after the last human one.
 * A connection test reads GET {baseUrl}/info.
 */
import { randomUUID } from 'node:crypto';
import type { EvalConnector } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { safeFetch } from '../../infra/safe-fetch.js';
import { clipText } from '../../infra/unicode.js';
import { connectorHeaders } from './connector-headers.js';
import {
  connectorConfig,
  failure,
  httpError,
  joinUrl,
  MAX_BYTES,
  mergeHeaders,
  outboundMessage,
  postJson,
  textOf,
  TIMEOUT_MS,
  type InvokeRequest,
  type InvokeResult,
  type RunMessage,
  type TestResult,
  type TokensUsage,
} from './connector-request.js';

interface LangGraphMessage {
  type?: string;
  role?: string;
  content?: unknown;
  tool_calls?: { id?: string; name: string; args?: unknown }[];
  tool_call_id?: string;
  name?: string;
  usage_metadata?: { input_tokens?: number; output_tokens?: number; total_tokens?: number };
}

function fromLangGraph(m: LangGraphMessage): RunMessage | null {
  const kind = m.type ?? m.role;
  if (kind === 'ai' || kind === 'assistant' || kind === 'AIMessageChunk') {
    const out: RunMessage = { role: 'assistant', content: textOf(m.content) };
    if (m.tool_calls?.length) {
      out.tool_calls = m.tool_calls.map((c, i) => ({ id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) } }));
    }
    return out;
  }
  if (kind === 'tool') return { role: 'tool', content: textOf(m.content), ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}), ...(m.name ? { name: m.name } : {}) };
  return null;
}

/** The reply in a thread's messages: what follows the last human message, with its token usage. */
function langGraphReply(started: number, all: LangGraphMessage[], raw: unknown, threadId: string): InvokeResult {
  const lastHuman = all.findLastIndex((m) => (m.type ?? m.role) === 'human' || (m.type ?? m.role) === 'user');
  const fresh = all.slice(lastHuman + 1);
  const messages = fresh.map(fromLangGraph).filter((m): m is RunMessage => m !== null);
  const usage = fresh.reduce<TokensUsage | undefined>((sum, m) => {
    if (!m.usage_metadata) return sum;
    const input = m.usage_metadata.input_tokens ?? 0;
    const output = m.usage_metadata.output_tokens ?? 0;
    const s = sum ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
    return { input_tokens: s.input_tokens + input, output_tokens: s.output_tokens + output, total_tokens: s.total_tokens + (m.usage_metadata.total_tokens ?? input + output) };
  }, undefined);
  return { success: true, latencyMs: Math.round(performance.now() - started), messages, rawResponse: raw, threadId, ...(usage ? { tokensUsage: usage } : {}) };
}

/**
 * After a restart in the middle of a turn: the earlier process may have sent
 * the turn and the LangGraph server answered it although nobody was left to
 * hear. `GET {baseUrl}/threads/{threadId}/state` tells: when the thread holds
 * the `expected` conversation messages (or more) and ends with the graph's
 * reply, that reply is the turn's answer and nothing is sent again. Null: not
 * answered (or the state cannot be read), so the turn is sent.
 */
export async function recoverLangGraphTurn(ctx: ServiceContext, c: EvalConnector, threadId: string, expected: number, personaHeaders?: Record<string, string> | null, signal?: AbortSignal): Promise<InvokeResult | null> {
  const started = performance.now();
  try {
    const res = await safeFetch(joinUrl(c.baseUrl, `/threads/${encodeURIComponent(threadId)}/state`), {
      method: 'GET',
      headers: mergeHeaders(connectorHeaders(ctx, c), personaHeaders),
      timeoutMs: TIMEOUT_MS,
      maxBytes: MAX_BYTES,
      policy: ctx.deps.config.outbound,
      signal,
    });
    if (res.status < 200 || res.status >= 300) return null;
    const state = JSON.parse(res.text()) as { values?: { messages?: LangGraphMessage[] } };
    const all = state.values?.messages;
    if (!Array.isArray(all)) return null;
    const conversation = all.filter((m) => ['human', 'user', 'ai', 'assistant', 'AIMessageChunk'].includes(String(m.type ?? m.role)));
    const last = all.at(-1);
    const answered = last && ['ai', 'assistant', 'AIMessageChunk'].includes(String(last.type ?? last.role)) && !last.tool_calls?.length;
    if (conversation.length <= expected || !answered) return null;
    return langGraphReply(started, all, state, threadId);
  } catch {
    return null;
  }
}

export async function invokeLangGraph(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
  const started = performance.now();
  const cfg = connectorConfig(c);
  const threadId = req.threadId ?? randomUUID();
  const unseen = req.messages.slice(req.sentCount ?? 0).filter((m) => m.role === 'user' || m.role === 'assistant');
  const body = {
    assistant_id: cfg.assistantId,
    input: { messages: unseen.map((m) => ({ role: m.role, content: m.content })) },
    ...(cfg.configurable ? { config: { configurable: cfg.configurable } } : {}),
    multitask_strategy: 'enqueue',
    if_not_exists: 'create',
  };
  try {
    const headers = mergeHeaders(connectorHeaders(ctx, c), req.personaHeaders);
    const res = await postJson(ctx, joinUrl(c.baseUrl, `/threads/${encodeURIComponent(threadId)}/runs/wait`), headers, body, req.signal);
    if (res.status < 200 || res.status >= 300) return failure(started, httpError(res.status, res.json, res.text), { threadId, rawResponse: res.json ?? res.text });
    const all = ((res.json as { messages?: unknown } | null)?.messages ?? []) as LangGraphMessage[];
    if (!Array.isArray(all)) return failure(started, 'The LangGraph response has no messages array', { threadId, rawResponse: res.json });
    return langGraphReply(started, all, res.json, threadId);
  } catch (err) {
    return failure(started, outboundMessage(err), { threadId });
  }
}

export async function testLangGraph(ctx: ServiceContext, c: EvalConnector): Promise<TestResult> {
  const started = performance.now();
  try {
    const res = await safeFetch(joinUrl(c.baseUrl, '/info'), {
      method: 'GET',
      headers: mergeHeaders(connectorHeaders(ctx, c)),
      timeoutMs: 15_000,
      maxBytes: 256 * 1024,
      policy: ctx.deps.config.outbound,
    });
    const latencyMs = Math.round(performance.now() - started);
    const text = res.text();
    if (res.status < 200 || res.status >= 300) return { success: false, latencyMs, error: `HTTP ${res.status}` };
    return { success: true, latencyMs, response: clipText(text, 2000) };
  } catch (err) {
    return { success: false, latencyMs: Math.round(performance.now() - started), error: outboundMessage(err) };
  }
}
