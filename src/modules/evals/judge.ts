/**
 * The judge: reads the transcript and decides whether the success criteria
 * were met and whether the failure criteria were triggered, as
 * `{successMet, failureMet, confidence, reasoning}`.
 *   - OpenAI-compatible: a JSON-mode prompt; an answer that is not such an
 *     object is inconclusive (nothing met, confidence 0), never an error.
 *   - Embedded: a deterministic heuristic (no language model): the share of
 *     the criteria's content words the assistant's replies mention; met at
 *     JUDGE_THRESHOLD or more. Its reasoning says it is heuristic.
 */
import { ProviderError } from '../../infra/ai/openai.js';
import type { RunMessage } from './connector-clients.js';
import type { JudgeVerdict } from './events.js';
import type { EvalLlm } from './llm.js';
import { keywords, mentions } from './simulated-user.js';

export const JUDGE_THRESHOLD = 0.6;

const SYSTEM = [
  'You are an impartial judge of a conversation between a user and an AI assistant under test.',
  'Decide whether the assistant has met the success criteria, and whether the failure criteria have been triggered, judging only from the conversation.',
  'Respond with a JSON object and nothing else: {"successMet": boolean, "failureMet": boolean, "confidence": number from 0 to 1, "reasoning": string (one or two sentences)}.',
].join(' ');

const round2 = (n: number) => Math.round(n * 100) / 100;

function transcript(messages: RunMessage[]): string {
  return messages
    .filter((m) => m.role !== 'system')
    .map((m) => {
      if (m.role === 'tool') return `Tool result${m.name ? ` (${m.name})` : ''}: ${m.content}`;
      const calls = m.tool_calls?.length ? ` [tool calls: ${m.tool_calls.map((c) => `${c.function.name}(${c.function.arguments})`).join(', ')}]` : '';
      return `${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content}${calls}`;
    })
    .join('\n\n');
}

export function inconclusive(why: string, provider?: string, model?: string): JudgeVerdict {
  return { successMet: false, failureMet: false, confidence: 0, reasoning: `Inconclusive: ${why}`, ...(provider ? { provider } : {}), ...(model ? { model } : {}) };
}

/** Reads a judge answer; anything but the expected object is inconclusive. */
export function parseVerdict(text: string, provider: string, model: string): JudgeVerdict {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return inconclusive('the judge’s answer was not valid JSON', provider, model);
  }
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object' || typeof o.successMet !== 'boolean' || typeof o.failureMet !== 'boolean') {
    return inconclusive('the judge’s answer lacked successMet/failureMet', provider, model);
  }
  const confidence = typeof o.confidence === 'number' && Number.isFinite(o.confidence) ? Math.min(1, Math.max(0, o.confidence)) : 0;
  return { successMet: o.successMet, failureMet: o.failureMet, confidence, reasoning: typeof o.reasoning === 'string' ? o.reasoning : '', provider, model };
}

export function embeddedVerdict(criteria: { successCriteria: string | null; failureCriteria: string | null }, messages: RunMessage[], model: string): JudgeVerdict {
  const replies = messages.filter((m) => m.role === 'assistant').map((m) => m.content).join('\n');
  const measure = (text: string | null) => {
    const words = keywords(text);
    const hit = words.filter((w) => mentions(replies, w));
    return { words, hit, ratio: words.length ? hit.length / words.length : 0 };
  };
  const s = measure(criteria.successCriteria);
  const f = measure(criteria.failureCriteria);
  const successMet = s.words.length > 0 && s.ratio >= JUDGE_THRESHOLD;
  const failureMet = f.words.length > 0 && f.ratio >= JUDGE_THRESHOLD;
  const describe = (label: string, m: typeof s) =>
    m.words.length
      ? `the assistant’s replies mention ${m.hit.length} of ${m.words.length} ${label}-criteria terms${m.hit.length ? ` (${m.hit.join(', ')})` : ''}${m.hit.length < m.words.length ? `; missing: ${m.words.filter((w) => !m.hit.includes(w)).join(', ')}` : ''}`
      : '';
  const parts = [describe('success', s), describe('failure', f)].filter(Boolean);
  return {
    successMet,
    failureMet,
    confidence: round2(successMet ? s.ratio : failureMet ? f.ratio : s.ratio),
    reasoning: `Heuristic verdict from the embedded judge (keyword overlap, no language model; met at ${Math.round(JUDGE_THRESHOLD * 100)}%): ${parts.join('. ')}.`,
    provider: 'embedded',
    model,
  };
}

export async function judge(
  llm: EvalLlm,
  criteria: { successCriteria: string | null; failureCriteria: string | null },
  messages: RunMessage[],
  signal?: AbortSignal,
): Promise<{ verdict: JudgeVerdict; usage?: { promptTokens: number; completionTokens: number } }> {
  if (llm.kind === 'embedded') return { verdict: embeddedVerdict(criteria, messages, llm.model) };
  const prompt = [
    criteria.successCriteria ? `Success criteria:\n${criteria.successCriteria}` : 'Success criteria: (none)',
    criteria.failureCriteria ? `Failure criteria:\n${criteria.failureCriteria}` : 'Failure criteria: (none)',
    `Conversation:\n\n${transcript(messages)}`,
  ].join('\n\n');
  try {
    const res = await llm.complete({ system: SYSTEM, prompt, json: true, maxTokens: 600, temperature: 0, signal });
    return { verdict: parseVerdict(res.text, 'openai', res.model), usage: res.usage };
  } catch (err) {
    if (err instanceof ProviderError && /malformed JSON|no text/i.test(err.message)) return { verdict: inconclusive('the judge’s answer was not valid JSON', 'openai', llm.model) };
    throw err;
  }
}
