/**
 * HTTP connectors: POST {baseUrl}/chat/completions (OpenAI-compatible, not
 * streamed) with the whole conversation. A connection test sends "Hello".
 */
import type { EvalConnector } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { connectorHeaders } from './connector-headers.js';
import {
  connectorConfig,
  failure,
  httpError,
  joinUrl,
  mergeHeaders,
  outboundMessage,
  postJson,
  textOf,
  type InvokeRequest,
  type InvokeResult,
  type RunMessage,
  type TestResult,
  type ToolCallOut,
} from './connector-request.js';

function toOpenAi(m: RunMessage) {
  if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.tool_call_id ?? '' };
  if (m.role === 'assistant' && m.tool_calls?.length) return { role: 'assistant', content: m.content || null, tool_calls: m.tool_calls };
  return { role: m.role, content: m.content };
}

export async function invokeHttp(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
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

export async function testHttp(ctx: ServiceContext, c: EvalConnector): Promise<TestResult> {
  const r = await invokeHttp(ctx, c, { messages: [{ role: 'user', content: 'Hello' }] });
  return r.success
    ? { success: true, latencyMs: r.latencyMs, response: r.messages.map((m) => m.content).join('\n') }
    : { success: false, latencyMs: r.latencyMs, error: r.error };
}
