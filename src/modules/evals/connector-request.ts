/**
 * What the connector clients share: the shapes of a call (the request, its
 * result, the OpenAI-style transcript message), a connector's config, the
 * request headers and the outbound JSON request through safeFetch (SSRF
 * guard), and how a failure is told. Failures are results (`success: false`),
 * never exceptions.
 */
import type { EvalConnector } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { isAppError } from '../../errors.js';
import { OutboundFailed, OutboundRefused, safeFetch } from '../../infra/safe-fetch.js';
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
  /** Stamped by the run engine (transcript.ts): when it was stored; on a turn's last message, what the turn cost and took. */
  createdAt?: string;
  tokensUsage?: TokensUsage;
  latencyMs?: number;
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

export const TIMEOUT_MS = 120_000;
export const MAX_BYTES = 8 * 1024 * 1024;

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

export const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

export function failure(started: number, error: string, extra: Partial<InvokeResult> = {}): InvokeResult {
  return { success: false, latencyMs: Math.round(performance.now() - started), messages: [], error, ...extra };
}

export function outboundMessage(err: unknown): string {
  if (err instanceof OutboundRefused || err instanceof OutboundFailed) return err.message;
  if (isAppError(err)) return err.message;
  return 'the request failed';
}

export async function postJson(ctx: ServiceContext, url: string, headers: Record<string, string>, body: unknown, signal?: AbortSignal) {
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

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .join('');
  }
  return content == null ? '' : JSON.stringify(content);
}

export function httpError(status: number, json: unknown, text: string): string {
  const e = (json as { error?: unknown; detail?: unknown } | null)?.error ?? (json as { detail?: unknown } | null)?.detail;
  const msg = typeof e === 'string' ? e : e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : clipText(text, 200);
  return `HTTP ${status}${msg ? `: ${msg}` : ''}`;
}
