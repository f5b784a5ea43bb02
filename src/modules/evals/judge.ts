/**
 * The judge: reads the transcript and decides `pass`, `fail` or
 * `inconclusive`, with whether the failure criteria were triggered, as
 * `{decision, successMet, failureMet, confidence, reasoning}`.
 *   - OpenAI-compatible: a JSON-mode prompt (JUDGE_SYSTEM) that asks the model
 *     to judge only the assistant's own messages and tool calls; an answer
 *     that is not the expected object, or contradicts itself, is inconclusive
 *     (never a pass, never an error).
 *   - Embedded: deterministic rules over the agent's own messages and tool
 *     calls (judge-embedded.ts); its reasoning says it is heuristic.
 */
import { ProviderError } from '../../infra/ai/openai.js';
import type { RunMessage } from './connector-clients.js';
import { JUDGE_DECISIONS, type JudgeDecision, type JudgeVerdict } from './events.js';
import type { EvalLlm } from './llm.js';

export { embeddedVerdict } from './judge-embedded.js';
import { embeddedVerdict } from './judge-embedded.js';

export const JUDGE_SYSTEM = [
  'You are an impartial judge of a conversation between a user and an AI assistant under test.',
  'Decide from the conversation alone whether the assistant met the success criteria and whether it triggered the failure criteria.',
  'Judge only what the assistant itself said and did (its messages and its tool calls with their results). Words the assistant merely repeats or quotes from the user are not evidence; neither is the user stating the goal.',
  'A promise ("I will refund you") is not the action; a claim of an action with no tool call that did it is not proof; an action that needs a confirmation number, link or amount is not done unless the assistant gave one of its own. A polite refusal does not meet the criteria.',
  'Answer "pass" only when the transcript shows the criteria were met, "fail" when it shows they were not (or the failure criteria were triggered), and "inconclusive" when the transcript does not let you tell.',
  'Respond with a JSON object and nothing else: {"verdict": "pass" | "fail" | "inconclusive", "successMet": boolean, "failureMet": boolean, "confidence": number from 0 to 1, "reasoning": string (one or two sentences)}.',
].join(' ');

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

/** The judge prompt for a transcript (what the OpenAI-compatible judge is sent after JUDGE_SYSTEM). */
export function judgePrompt(criteria: { successCriteria: string | null; failureCriteria: string | null }, messages: RunMessage[]): string {
  return [
    criteria.successCriteria ? `Success criteria:\n${criteria.successCriteria}` : 'Success criteria: (none)',
    criteria.failureCriteria ? `Failure criteria:\n${criteria.failureCriteria}` : 'Failure criteria: (none)',
    `Conversation:\n\n${transcript(messages)}`,
  ].join('\n\n');
}

export function inconclusive(why: string, provider?: string, model?: string): JudgeVerdict {
  return { decision: 'inconclusive', successMet: false, failureMet: false, confidence: 0, reasoning: `Inconclusive: ${why}`, ...(provider ? { provider } : {}), ...(model ? { model } : {}) };
}

/**
 * Reads a judge answer. `verdict` decides; an answer without it (the older
 * shape) decides by successMet/failureMet. Anything else — not JSON, missing
 * or mistyped fields, an unknown verdict, a pass that also says the success
 * criteria were not met or the failure criteria were — is inconclusive.
 */
export function parseVerdict(text: string, provider: string, model: string): JudgeVerdict {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return inconclusive('the judge’s answer was not valid JSON', provider, model);
  }
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.successMet !== 'boolean' || typeof o.failureMet !== 'boolean') {
    return inconclusive('the judge’s answer lacked successMet/failureMet', provider, model);
  }
  let decision: JudgeDecision;
  if (o.verdict === undefined) decision = o.failureMet ? 'fail' : o.successMet ? 'pass' : 'fail';
  else if (typeof o.verdict === 'string' && (JUDGE_DECISIONS as readonly string[]).includes(o.verdict.trim().toLowerCase())) decision = o.verdict.trim().toLowerCase() as JudgeDecision;
  else return inconclusive(`the judge’s verdict ${JSON.stringify(o.verdict)} is not pass, fail or inconclusive`, provider, model);
  if (decision === 'pass' && (!o.successMet || o.failureMet)) return inconclusive('the judge’s answer contradicts itself (a pass with criteria unmet or failure triggered)', provider, model);
  const confidence = typeof o.confidence === 'number' && Number.isFinite(o.confidence) ? Math.min(1, Math.max(0, o.confidence)) : 0;
  return { decision, successMet: decision === 'pass', failureMet: o.failureMet, confidence, reasoning: typeof o.reasoning === 'string' ? o.reasoning : '', provider, model };
}

export async function judge(
  llm: EvalLlm,
  criteria: { successCriteria: string | null; failureCriteria: string | null },
  messages: RunMessage[],
  signal?: AbortSignal,
): Promise<{ verdict: JudgeVerdict; usage?: { promptTokens: number; completionTokens: number } }> {
  if (llm.kind === 'embedded') return { verdict: embeddedVerdict(criteria, messages, llm.model) };
  try {
    const res = await llm.complete({ system: JUDGE_SYSTEM, prompt: judgePrompt(criteria, messages), json: true, maxTokens: 600, temperature: 0, signal });
    return { verdict: parseVerdict(res.text, 'openai', res.model), usage: res.usage };
  } catch (err) {
    if (err instanceof ProviderError && /malformed JSON|no text/i.test(err.message)) return { verdict: inconclusive('the judge’s answer was not valid JSON', 'openai', llm.model) };
    throw err;
  }
}
