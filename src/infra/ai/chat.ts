/**
 * Streaming chat, the second capability of the AI provider layer:
 * `chat({ system, messages, model, tools?, signal })` yields text deltas,
 * then any tool calls the model asked for, then token usage.
 * - OpenAI (or any OpenAI-compatible server) through the openai SDK, with
 *   `stream_options.include_usage` so the provider reports usage itself, and
 *   the tools as function tools.
 * - Embedded (chat-embedded.ts): offline and deterministic.
 * When a provider reports no usage, tokens are counted with js-tiktoken
 * (cl100k ranks bundled in the package, so it works offline).
 */
import type OpenAI from 'openai';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { ProviderError, providerFailure } from './openai.js';
import { codePointBoundary } from '../unicode.js';
import { openAiClient, type LlmOutboundConfig } from './client.js';

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, as the model wrote them. */
  arguments: string;
}

export type ChatTurn =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

/** A tool the model may call: a name, what it does, and a JSON schema of its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  system: string;
  messages: ChatTurn[];
  model: string;
  tools?: ToolSpec[];
  signal?: AbortSignal;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export type ChatChunk = { delta: string } | { toolCall: ToolCall } | { usage: ChatUsage };

export interface ChatProvider {
  readonly name: 'openai' | 'embedded';
  chat(req: ChatRequest): AsyncIterable<ChatChunk>;
}

let encoder: Tiktoken | null = null;
/** Runs without whitespace longer than this are encoded in slices (BPE is quadratic in a piece's length). */
const MAX_PIECE = 32;
const LONG_RUN = new RegExp(`\\S{${MAX_PIECE + 1},}`, 'g');

/** Tokens in a text, by the cl100k tokenizer (what gpt-4-class models use). */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(cl100k);
  const enc = encoder;
  let n = 0;
  let from = 0;
  for (const m of text.matchAll(LONG_RUN)) {
    if (m.index > from) n += enc.encode(text.slice(from, m.index)).length;
    for (let i = 0, end; i < m[0].length; i = end) {
      end = codePointBoundary(m[0], Math.min(i + MAX_PIECE, m[0].length)); // never half an emoji
      n += enc.encode(m[0].slice(i, end)).length;
    }
    from = m.index + m[0].length;
  }
  return n + (from < text.length ? enc.encode(text.slice(from)).length : 0);
}

function turnText(m: ChatTurn): string {
  if (m.role === 'assistant' && m.toolCalls?.length) return m.content + m.toolCalls.map((c) => `${c.name}${c.arguments}`).join('');
  return m.content;
}

/** Prompt tokens of a request the way chat formats count them (a few tokens of framing per message, plus the tool definitions). */
export function countPromptTokens(req: Pick<ChatRequest, 'system' | 'messages' | 'tools'>): number {
  const tools = req.tools?.length ? countTokens(JSON.stringify(req.tools)) : 0;
  return [req.system, ...req.messages.map(turnText)].reduce((n, text) => n + 4 + countTokens(text), 3 + tools);
}

function toOpenAi(m: ChatTurn): OpenAI.Chat.ChatCompletionMessageParam {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
    };
  }
  return { role: m.role, content: m.content };
}

export class OpenAiChat implements ChatProvider {
  readonly name = 'openai' as const;
  private readonly client: OpenAI;
  constructor(config: LlmOutboundConfig, opts: { apiKey: string; baseURL: string | null }) {
    this.client = openAiClient(config, { apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 1, timeout: 120_000 });
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatChunk> {
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        {
          model: req.model,
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'system', content: req.system }, ...req.messages.map(toOpenAi)],
          ...(req.tools?.length
            ? { tools: req.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })) }
            : {}),
        },
        { signal: req.signal },
      );
    } catch (err) {
      throw providerFailure(err, { request: 'chat request', provider: 'LLM provider' });
    }
    let completion = '';
    let usage: ChatUsage | null = null;
    // Tool calls arrive in pieces keyed by index: id and name first, arguments in fragments.
    const calls = new Map<number, ToolCall>();
    try {
      for await (const chunk of stream) {
        const delta = chunk.choices?.[0]?.delta;
        if (delta?.content) {
          completion += delta.content;
          yield { delta: delta.content };
        }
        for (const part of delta?.tool_calls ?? []) {
          const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
          if (part.id) call.id = part.id;
          if (part.function?.name) call.name += part.function.name;
          if (part.function?.arguments) call.arguments += part.function.arguments;
          calls.set(part.index, call);
        }
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    } catch {
      if (req.signal?.aborted) return;
      throw new ProviderError('The LLM provider’s stream broke off');
    }
    const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([i, c]) => ({ ...c, id: c.id || `call_${i}` }));
    for (const toolCall of toolCalls) yield { toolCall };
    yield {
      usage: usage ?? {
        promptTokens: countPromptTokens(req),
        completionTokens: countTokens(completion + toolCalls.map((c) => c.name + c.arguments).join('')),
      },
    };
  }
}
