/**
 * Calling the system under test. One `invoke` for the three connector types:
 *   - langgraph: POST {baseUrl}/threads/{threadId}/runs/wait with only the
 *     messages the thread has not seen (`sentCount` tells which), creating the
 *     thread on first use; the reply is every message after the last human one.
 *   - http: POST {baseUrl}/chat/completions (OpenAI-compatible, not streamed)
 *     with the whole conversation.
 *   - agent: the team's personagraph agent through the chat service, in-process,
 *     with the run's conversation as the whole history (nothing kept by the agent).
 * Request headers: content type, then the connector's headers, then the
 * persona's (a persona header replaces a connector header of the same name,
 * whatever its case). Outbound HTTP goes through safeFetch (SSRF guard).
 * Failures are results (`success: false`), never exceptions.
 */
import { randomUUID } from 'node:crypto';
import type { EvalConnector } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { jobContext } from '../../context.js';
import { isAppError } from '../../errors.js';
import { OutboundFailed, OutboundRefused, safeFetch } from '../../infra/safe-fetch.js';
import { connectorHeaders } from './connector-headers.js';
import * as chat from '../chat/service.js';
import { checkAgentProvider } from '../agents/service.js';
import { clipText } from '../../infra/unicode.js';

export interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A transcript message (OpenAI-style). */
export interface RunMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: ToolCallOut[];
  tool_call_id?: string;
  name?: string;
  /** Who wrote it when it was generated here (simulated user): {provider, model}. */
  metadata?: Record<string, unknown>;
}

export interface TokensUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface InvokeResult {
  success: boolean;
  latencyMs: number;
  messages: RunMessage[];
  rawResponse?: unknown;
  error?: string;
  tokensUsage?: TokensUsage;
  threadId?: string;
}

export interface TestResult {
  success: boolean;
  latencyMs: number;
  response?: string;
  error?: string;
}

export interface InvokeRequest {
  /** The conversation without system messages. */
  messages: RunMessage[];
  /** How many of `messages` the connector's thread already holds (langgraph). */
  sentCount?: number;
  threadId?: string;
  personaHeaders?: Record<string, string> | null;
  signal?: AbortSignal;
}

const TIMEOUT_MS = 120_000;
const MAX_BYTES = 8 * 1024 * 1024;

export interface ConnectorConfig {
  assistantId?: string;
  configurable?: Record<string, unknown>;
  model?: string;
  temperature?: number;
  agentId?: string;
}

export const connectorConfig = (c: Pick<EvalConnector, 'config'>): ConnectorConfig =>
  (c.config && typeof c.config === 'object' && !Array.isArray(c.config) ? c.config : {}) as ConnectorConfig;

/** Content type, then connector headers, then persona headers; later names win, case-insensitively. */
export function mergeHeaders(...layers: (Record<string, string> | null | undefined)[]): Record<string, string> {
  const out = new Map<string, [string, string]>();
  for (const layer of [{ 'Content-Type': 'application/json' }, ...layers]) {
    for (const [k, v] of Object.entries(layer ?? {})) out.set(k.toLowerCase(), [k, v]);
  }
  return Object.fromEntries([...out.values()]);
}

const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

function failure(started: number, error: string, extra: Partial<InvokeResult> = {}): InvokeResult {
  return { success: false, latencyMs: Math.round(performance.now() - started), messages: [], error, ...extra };
}

function outboundMessage(err: unknown): string {
  if (err instanceof OutboundRefused || err instanceof OutboundFailed) return err.message;
  if (isAppError(err)) return err.message;
  return 'the request failed';
}

async function postJson(ctx: ServiceContext, url: string, headers: Record<string, string>, body: unknown, signal?: AbortSignal) {
  const res = await safeFetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    timeoutMs: TIMEOUT_MS,
    maxBytes: MAX_BYTES,
    policy: ctx.deps.config.outbound,
    signal,
  });
  const text = res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .join('');
  }
  return content == null ? '' : JSON.stringify(content);
}

function httpError(status: number, json: unknown, text: string): string {
  const e = (json as { error?: unknown; detail?: unknown } | null)?.error ?? (json as { detail?: unknown } | null)?.detail;
  const msg = typeof e === 'string' ? e : e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : clipText(text, 200);
  return `HTTP ${status}${msg ? `: ${msg}` : ''}`;
}

// --- langgraph -----------------------------------------------------------------------

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

async function invokeLangGraph(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
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

async function testLangGraph(ctx: ServiceContext, c: EvalConnector): Promise<TestResult> {
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

// --- http (OpenAI-compatible) ----------------------------------------------------------

function toOpenAi(m: RunMessage) {
  if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.tool_call_id ?? '' };
  if (m.role === 'assistant' && m.tool_calls?.length) return { role: 'assistant', content: m.content || null, tool_calls: m.tool_calls };
  return { role: m.role, content: m.content };
}

async function invokeHttp(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
  const started = performance.now();
  const cfg = connectorConfig(c);
  const body = {
    model: cfg.model ?? 'default',
    messages: req.messages.map(toOpenAi),
    ...(typeof cfg.temperature === 'number' ? { temperature: cfg.temperature } : {}),
  };
  try {
    const headers = mergeHeaders(connectorHeaders(ctx, c), req.personaHeaders);
    const res = await postJson(ctx, joinUrl(c.baseUrl, '/chat/completions'), headers, body, req.signal);
    if (res.status < 200 || res.status >= 300) return failure(started, httpError(res.status, res.json, res.text), { rawResponse: res.json ?? res.text });
    const json = res.json as {
      choices?: { message?: { content?: unknown; tool_calls?: ToolCallOut[] } }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
    } | null;
    const msg = json?.choices?.[0]?.message;
    if (!msg) return failure(started, 'The response has no choices[0].message', { rawResponse: json ?? res.text });
    const out: RunMessage = { role: 'assistant', content: textOf(msg.content) };
    if (msg.tool_calls?.length) out.tool_calls = msg.tool_calls;
    const u = json?.usage;
    return {
      success: true,
      latencyMs: Math.round(performance.now() - started),
      messages: [out],
      rawResponse: json,
      ...(u
        ? { tokensUsage: { input_tokens: u.prompt_tokens ?? 0, output_tokens: u.completion_tokens ?? 0, total_tokens: u.total_tokens ?? (u.prompt_tokens ?? 0) + (u.completion_tokens ?? 0) } }
        : {}),
    };
  } catch (err) {
    return failure(started, outboundMessage(err));
  }
}

// --- agent (in-process) ---------------------------------------------------------------

/** The context an agent connector calls the chat service in: the connector's team, every team scope. */
function agentContext(deps: Deps, teamId: string, label: string): ServiceContext {
  return jobContext(deps, teamId, label);
}

async function invokeAgent(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
  const started = performance.now();
  if (!c.agentId) return failure(started, 'Agent not found');
  const agent = await ctx.deps.prisma.agent.findFirst({ where: { id: c.agentId, teamId: c.teamId } });
  if (!agent) return failure(started, 'Agent not found');
  // The agent sees the conversation as user/assistant turns; it must end with the user's.
  const turns = req.messages
    .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content.trim())
    .map((m) => ({ role: m.role as 'user' | 'assistant', content: clipText(m.content, 32_000) }))
    .slice(-100);
  if (turns.at(-1)?.role !== 'user') return failure(started, 'The conversation must end with a user message');
  const actx = agentContext(ctx.deps, c.teamId, `eval-connector:${c.id}`);
  let runId: string | null = null;
  try {
    const run = await chat.startChatRun(actx, agent.userId, agent.id, { messages: turns }, { isolated: true });
    runId = run.id;
    const messages: RunMessage[] = [];
    const calls: ToolCallOut[] = [];
    const onAbort = () => void chat.cancelChatRun(actx, run.id).catch(() => {});
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const ev of chat.runEvents(actx, run.id, 0)) {
        if (ev.type === 'tool_call') {
          const call: ToolCallOut = { id: `call_${calls.length + 1}`, type: 'function', function: { name: ev.data.name ?? '', arguments: JSON.stringify(ev.data.arguments ?? {}) } };
          calls.push(call);
          messages.push({ role: 'assistant', content: '', tool_calls: [call] });
        } else if (ev.type === 'tool_result') {
          messages.push({ role: 'tool', content: ev.data.summary ?? '', tool_call_id: calls.at(-1)?.id ?? '', name: ev.data.name ?? '' });
        } else if (ev.type === 'done') {
          messages.push({ role: 'assistant', content: ev.data.message ?? '' });
          const u = ev.data.usage;
          return {
            success: true,
            latencyMs: Math.round(performance.now() - started),
            messages,
            threadId: run.id,
            rawResponse: { runId: run.id, model: ev.data.model },
            ...(u ? { tokensUsage: { input_tokens: u.promptTokens, output_tokens: u.completionTokens, total_tokens: u.totalTokens } } : {}),
          };
        } else if (ev.type === 'error') {
          return failure(started, ev.data.error ?? 'the agent failed', { threadId: run.id });
        } else if (ev.type === 'cancelled') {
          return failure(started, 'the agent run was cancelled', { threadId: run.id });
        }
      }
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
    return failure(started, 'the agent ended without a reply', { threadId: run.id });
  } catch (err) {
    return failure(started, isAppError(err) ? err.message : 'the agent failed', runId ? { threadId: runId } : {});
  }
}

async function testAgent(ctx: ServiceContext, c: EvalConnector): Promise<TestResult> {
  const started = performance.now();
  const agent = c.agentId ? await ctx.deps.prisma.agent.findFirst({ where: { id: c.agentId, teamId: c.teamId } }) : null;
  if (!agent) return { success: false, latencyMs: Math.round(performance.now() - started), error: 'Agent not found' };
  const check = await checkAgentProvider(ctx.deps.config, agent);
  return check.ok
    ? { success: true, latencyMs: Math.round(performance.now() - started), response: `agent ${agent.name} is reachable (${check.provider}, ${check.model})` }
    : { success: false, latencyMs: Math.round(performance.now() - started), error: check.error ?? 'the agent’s provider is unavailable' };
}

// --- dispatch ----------------------------------------------------------------------------

export async function invokeConnector(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
  switch (c.type) {
    case 'langgraph':
      return invokeLangGraph(ctx, c, req);
    case 'http':
      return invokeHttp(ctx, c, req);
    case 'agent':
      return invokeAgent(ctx, c, req);
    default:
      return failure(performance.now(), `Unknown connector type: "${c.type}"`);
  }
}

export async function testConnector(ctx: ServiceContext, c: EvalConnector): Promise<TestResult> {
  switch (c.type) {
    case 'langgraph':
      return testLangGraph(ctx, c);
    case 'agent':
      return testAgent(ctx, c);
    case 'http': {
      const r = await invokeHttp(ctx, c, { messages: [{ role: 'user', content: 'Hello' }] });
      return r.success
        ? { success: true, latencyMs: r.latencyMs, response: r.messages.map((m) => m.content).join('\n') }
        : { success: false, latencyMs: r.latencyMs, error: r.error };
    }
    default:
      return { success: false, latencyMs: 0, error: `Unknown connector type: "${c.type}"` };
  }
}
