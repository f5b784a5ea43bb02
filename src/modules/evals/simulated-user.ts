/**
 * The simulated user: a language model playing the persona, talking to the
 * agent under test toward the scenario's goal (its success criteria).
 *
 * `buildSystemPrompt` is what it is given (GET /scenarios/:id/prompt shows
 * it). With an OpenAI-compatible provider the model writes each turn from the
 * transcript (the persona's config.model / temperature apply). The embedded
 * simulated user is offline and deterministic: it writes in the persona's
 * voice (traits read from its description and prompt: impatient, polite,
 * confused, technical …), opens with the scenario's request, and keeps
 * steering toward the goal words the agent has not addressed yet.
 */
import { createHash } from 'node:crypto';
import type { Persona, Scenario } from '../../generated/prisma/client.js';
import type { RunMessage } from './connector-clients.js';
import type { EvalLlm } from './llm.js';
import { clipText } from '../../infra/unicode.js';

type PersonaLike = Pick<Persona, 'name' | 'description' | 'systemPrompt'> | null;
type ScenarioLike = Pick<Scenario, 'name' | 'instructions' | 'successCriteria'>;

export function buildSystemPrompt(persona: PersonaLike, scenario: ScenarioLike): string {
  const parts = [
    'You are role-playing a user who is talking to an AI assistant. Stay in character for the whole conversation; never say that you are an AI, a simulation or a test. Write only your own next message, in plain text, as the user would type it.',
  ];
  if (persona) {
    parts.push(
      ['## Who you are', `Name: ${persona.name}`, persona.description ? `Description: ${persona.description}` : '', persona.systemPrompt ?? '']
        .filter(Boolean)
        .join('\n'),
    );
  }
  if (scenario.instructions?.trim()) parts.push(`## Scenario\n${scenario.instructions.trim()}`);
  if (scenario.successCriteria?.trim()) parts.push(`## Your goal\nKeep the conversation going until this is achieved:\n${scenario.successCriteria.trim()}`);
  return parts.join('\n\n');
}

// --- the embedded simulated user -------------------------------------------------------------

const STOP = new Set(
  'the a an and or but if then than that this these those with without from into onto about above below over under for to of in on at by as is are was were be been being it its it’s their there they them he she his her you your yours i me my we our us do does did done have has had can could should would will shall must may might not no yes so such very just also only each any all some more most other which what when where who whom why how agent assistant bot user customer mentions mention mentioned says say said explains explain explained provides provide provided asks ask asked responds respond reply replies confirm confirms confirmed offers offer offered correctly clearly properly successfully answer answers answered gives give given tells tell told conversation message messages response responses should shall'.split(
    ' ',
  ),
);

/** The content words of a text, lower-cased, in order, without repeats. */
export function keywords(text: string | null | undefined): string[] {
  const words = (text ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^['-]+|['-]+$/g, ''))
    .filter((w) => w.length > 2 && !STOP.has(w));
  return [...new Set(words)];
}

/** A word's stem, so "refunds" matches "refund" and "shipping" matches "ship". */
export function stem(word: string): string {
  return word.replace(/(?:ing|ed|es|s)$/u, '').replace(/(.)\1$/u, '$1') || word;
}

export function mentions(text: string, word: string): boolean {
  const s = stem(word);
  return keywords(text).some((w) => stem(w) === s);
}

function pick<T>(seed: string, salt: string, options: readonly T[]): T {
  const h = createHash('sha256').update(`${salt}:${seed}`).digest();
  return options[h.readUInt32BE(0) % options.length]!;
}

type Voice = 'impatient' | 'polite' | 'confused' | 'technical' | 'neutral';

function voiceOf(persona: PersonaLike): Voice {
  const text = `${persona?.description ?? ''} ${persona?.systemPrompt ?? ''}`.toLowerCase();
  if (/impatient|busy|in a hurry|rushed|brief|brevity|quick|short on time|frustrat|angry|annoyed/.test(text)) return 'impatient';
  if (/confus|non-technical|not technical|beginner|elderly|first[- ]time|unsure|novice/.test(text)) return 'confused';
  if (/technical|engineer|developer|expert|detailed|precise|accurate/.test(text)) return 'technical';
  if (/polite|friendly|kind|courteous|formal|warm/.test(text)) return 'polite';
  return 'neutral';
}

const OPENERS: Record<Voice, readonly string[]> = {
  impatient: ['Quick one:', 'Make it fast:', 'No time to waste:'],
  polite: ['Hello, I hope you are well.', 'Hi there, thank you for helping.', 'Good day!'],
  confused: ['Sorry, I am not very good with this.', 'Hi, I am a bit lost here.', 'Hello, I hope this is the right place.'],
  technical: ['Hi.', 'Hello, a precise question:', 'Straight to the point:'],
  neutral: ['Hi.', 'Hello.', 'Hey there.'],
};

const PUSHES: Record<Voice, readonly string[]> = {
  impatient: ['That does not answer it. I need', 'Come on, I asked about', 'Still waiting on'],
  polite: ['Thank you. Could you also help me with', 'I appreciate it. I would still like to know about', 'That is kind. What about'],
  confused: ['Sorry, I did not follow. What about', 'I am still not sure about', 'Could you explain again about'],
  technical: ['Be specific about', 'That is vague. Give me exact details on', 'Please clarify'],
  neutral: ['What about', 'I still need to know about', 'Could you tell me about'],
};

const CLOSERS: Record<Voice, readonly string[]> = {
  impatient: ['Fine, that covers it.', 'Okay, got it.'],
  polite: ['Thank you so much, that is very helpful.', 'Wonderful, thank you for explaining.'],
  confused: ['Oh, I think I understand now, thank you.', 'Okay, that makes more sense now.'],
  technical: ['Understood, that answers it.', 'Clear. That is what I needed.'],
  neutral: ['Thanks, that helps.', 'Great, thank you.'],
};

/** "Ask about the refund policy" → "I want to ask about the refund policy." */
function firstPerson(sentence: string): string {
  const s = sentence.trim().replace(/[.!]+$/, '');
  const verb = /^(ask|find out|request|inquire|enquire|get|learn|check|book|cancel|change|order|return)\b\s*(.*)$/i.exec(s);
  if (verb) return `I want to ${verb[1]!.toLowerCase()} ${verb[2]}`.trim() + '.';
  const wants = /^(?:(?:you|the user)\s+)?(want|need|try|hope)s?\s+to\s+(.*)$/i.exec(s);
  if (wants) return `I ${wants[1]!.toLowerCase()} to ${wants[2]}.`;
  const you = /^(?:you|the user)\s+(?:are|is)\s+(.*)$/i.exec(s);
  if (you) return `I am ${you[1]}.`;
  return `${s}.`;
}

function firstSentence(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clipText(/^(.+?[.!?])(\s|$)/.exec(clean)?.[1] ?? clean, 240);
}

export function embeddedUserTurn(persona: PersonaLike, scenario: ScenarioLike, messages: RunMessage[]): string {
  const voice = voiceOf(persona);
  const conversation = messages.filter((m) => m.role === 'user' || m.role === 'assistant');
  const turn = conversation.filter((m) => m.role === 'user').length;
  const seed = `${persona?.name ?? ''}|${scenario.name}|${turn}|${conversation.at(-1)?.content ?? ''}`;
  const goal = keywords(scenario.successCriteria);
  const replies = conversation.filter((m) => m.role === 'assistant').map((m) => m.content).join('\n');
  const missing = goal.filter((w) => !mentions(replies, w));
  const name = persona?.name ? `${persona.name} here. ` : '';

  if (turn === 0) {
    const request = scenario.instructions?.trim() ? firstPerson(firstSentence(scenario.instructions)) : goal.length ? `I need help with ${goal.slice(0, 6).join(' ')}.` : 'I have a question.';
    const extra = goal.filter((w) => !mentions(request, w)).slice(0, 6);
    return [pick(seed, 'open', OPENERS[voice]), name + request, extra.length ? `It is about ${extra.join(', ')}.` : ''].filter(Boolean).join(' ');
  }
  const lastReply = conversation.filter((m) => m.role === 'assistant').at(-1)?.content ?? '';
  const answered = /\?\s*$/.test(lastReply.trim()) ? pick(seed, 'answer', ['To answer you: yes.', 'As for your question, that is right.', 'Yes, that is correct.']) : '';
  if (missing.length) return [answered, `${pick(seed, 'push', PUSHES[voice])} ${missing.slice(0, 6).join(', ')}?`].filter(Boolean).join(' ');
  return [answered, pick(seed, 'close', CLOSERS[voice]), voice === 'impatient' ? 'Anything else?' : 'Is there anything else I should know?'].filter(Boolean).join(' ');
}

// --- one turn, whichever provider ---------------------------------------------------------------

/** The transcript as the simulated user sees it: its own turns as "You", the agent's as "Assistant". */
function transcript(messages: RunMessage[]): string {
  return messages
    .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content)
    .map((m) => `${m.role === 'user' ? 'You' : 'Assistant'}: ${m.content}`)
    .join('\n\n');
}

export async function nextUserTurn(
  llm: EvalLlm,
  input: { systemPrompt: string; persona: (PersonaLike & { config?: unknown }) | null; scenario: ScenarioLike; messages: RunMessage[]; signal?: AbortSignal },
): Promise<{ message: RunMessage; usage?: { promptTokens: number; completionTokens: number } }> {
  if (llm.kind === 'embedded') {
    return { message: { role: 'user', content: embeddedUserTurn(input.persona, input.scenario, input.messages), metadata: { provider: 'embedded', model: llm.model } } };
  }
  const cfg = (input.persona?.config ?? {}) as { temperature?: number };
  const history = transcript(input.messages);
  const res = await llm.complete({
    system: input.systemPrompt,
    prompt: history
      ? `The conversation so far:\n\n${history}\n\nWrite your next message to the assistant, in character. Only the message text.`
      : 'Write your first message to the assistant, in character. Only the message text.',
    temperature: typeof cfg.temperature === 'number' ? cfg.temperature : undefined,
    maxTokens: 600,
    signal: input.signal,
  });
  return { message: { role: 'user', content: res.text.trim(), metadata: { provider: 'openai', model: res.model } }, usage: res.usage };
}
