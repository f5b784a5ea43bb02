/**
 * Streaming chat, the second capability of the AI provider layer. Both
 * implementations yield text deltas and, at the end, token usage.
 * - OpenAI (or any OpenAI-compatible server) through the openai SDK, with
 *   `stream_options.include_usage` so the provider reports usage itself.
 * - Embedded: offline and deterministic (same inputs, same reply). It writes
 *   its reply from the system prompt (persona, templates), the user's last
 *   message and the conversation, and says that it is the embedded model.
 * When a provider reports no usage, tokens are counted with js-tiktoken
 * (cl100k ranks bundled in the package, so it works offline).
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { ProviderError, providerFailure } from './openai.js';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  system: string;
  messages: ChatTurn[];
  model: string;
  signal?: AbortSignal;
}

export type ChatChunk = { delta: string } | { usage: { promptTokens: number; completionTokens: number } };

export interface ChatProvider {
  readonly name: 'openai' | 'embedded';
  stream(req: ChatRequest): AsyncIterable<ChatChunk>;
}

let encoder: Tiktoken | null = null;
/** Tokens in a text, by the cl100k tokenizer (what gpt-4-class models use). */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(cl100k);
  return encoder.encode(text).length;
}

/** Prompt tokens of a request the way chat formats count them (a few tokens of framing per message). */
export function countPromptTokens(req: Pick<ChatRequest, 'system' | 'messages'>): number {
  return [{ content: req.system }, ...req.messages].reduce((n, m) => n + 4 + countTokens(m.content), 3);
}

export class OpenAiChat implements ChatProvider {
  readonly name = 'openai' as const;
  private readonly client: OpenAI;
  constructor(opts: { apiKey: string; baseURL: string | null }) {
    this.client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL ?? undefined, maxRetries: 1, timeout: 120_000 });
  }

  async *stream(req: ChatRequest): AsyncIterable<ChatChunk> {
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        {
          model: req.model,
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'system', content: req.system }, ...req.messages],
        },
        { signal: req.signal },
      );
    } catch (err) {
      throw providerFailure(err, { request: 'chat request', provider: 'LLM provider' });
    }
    let completion = '';
    let usage: { promptTokens: number; completionTokens: number } | null = null;
    try {
      for await (const chunk of stream) {
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) {
          completion += delta;
          yield { delta };
        }
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    } catch (err) {
      if (req.signal?.aborted) return;
      throw new ProviderError('The LLM provider’s stream broke off');
    }
    yield { usage: usage ?? { promptTokens: countPromptTokens(req), completionTokens: countTokens(completion) } };
  }
}

/** Picks one of `options` deterministically from a seed string. */
function pick<T>(seed: string, salt: string, options: readonly T[]): T {
  const h = createHash('sha256').update(`${salt}:${seed}`).digest();
  return options[h.readUInt32BE(0) % options.length]!;
}

function firstSentence(text: string, max = 160): string {
  const clean = text.replace(/^#.*$/gm, '').replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(clean);
  const s = (m ? m[1]! : clean).trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function topicOf(message: string): string {
  const words = message
    .toLowerCase()
    .replace(/[^a-z0-9\s'-]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 3 && !STOP.has(w));
  return words.slice(0, 4).join(' ') || 'that';
}
const STOP = new Set(['what', 'which', 'where', 'when', 'with', 'that', 'this', 'there', 'could', 'would', 'should', 'about', 'your', 'have', 'help', 'please', 'tell', 'from', 'into', 'them', 'they', 'does', 'hello', 'thanks', 'thank', 'there', 'just', 'some', 'want', 'need']);

/**
 * The embedded model: composes an answer from who the agent is (the first
 * sentence of its SOUL), what the user asked, and what came before, then
 * streams it word by word. It does not pretend to know facts.
 */
export class EmbeddedChat implements ChatProvider {
  readonly name = 'embedded' as const;

  async *stream(req: ChatRequest): AsyncIterable<ChatChunk> {
    const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const earlier = req.messages.filter((m) => m.role === 'user').slice(0, -1);
    const seed = `${req.system}\n${req.messages.map((m) => `${m.role}:${m.content}`).join('\n')}`;
    const soul = req.system.split(/\n# /)[0] ?? req.system;
    const who = firstSentence(soul.replace(/^# ?SOUL\s*/i, ''));
    const topic = topicOf(last);
    const opener = pick(seed, 'opener', ['Happy to help with', 'Let’s look at', 'Good question about', 'Here is my take on']);
    const parts = [
      `${opener} ${topic}.`,
      who ? `Speaking as the agent described in my instructions (“${who}”), I’ll stay in that role.` : '',
      earlier.length ? `Earlier you asked about ${topicOf(earlier[earlier.length - 1]!.content)}; I’ve kept that in mind.` : '',
      /\?\s*$/.test(last)
        ? `You asked: “${last.length > 120 ? `${last.slice(0, 119)}…` : last}” — I can reason about it, but I have no live knowledge, so check facts that matter.`
        : `You said: “${last.length > 120 ? `${last.slice(0, 119)}…` : last}”. Tell me what outcome you want and I’ll work towards it.`,
      `(Answered offline by personagraph’s embedded model ${req.model}; configure an OpenAI-compatible provider for real model replies.)`,
    ].filter(Boolean);
    const reply = parts.join(' ');
    for (const word of reply.split(/(?<=\s)/)) {
      if (req.signal?.aborted) return;
      yield { delta: word };
    }
    yield { usage: { promptTokens: countPromptTokens(req), completionTokens: countTokens(reply) } };
  }
}
