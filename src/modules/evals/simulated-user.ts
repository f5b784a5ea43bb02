/**
 * The simulated user: a language model playing the persona, pursuing the
 * scenario's instructions with the agent under test.
 *
 * It is never given the success criteria, and never says them: the criteria
 * are for the judge, and a user who recites them makes an agent that echoes
 * its user look successful. Every turn, whichever provider wrote it, loses
 * any sentence that shares a run of CRITERIA_RUN content words with the
 * criteria (see withoutCriteria).
 *
 * `buildSystemPrompt` is what it is given (GET /scenarios/:id/prompt shows
 * it). With an OpenAI-compatible provider the model writes each turn from the
 * transcript (the persona's config.model / temperature apply). The embedded
 * simulated user is offline and deterministic: it writes in the persona's
 * voice (traits read from its description and prompt: impatient, polite,
 * confused, technical …), opens with the scenario's first instruction, then
 * works through the rest of the instructions and presses the agent to act.
 */
import { createHash } from 'node:crypto';
import type { Persona, Scenario } from '../../generated/prisma/client.js';
import type { RunMessage } from './connector-clients.js';
import type { EvalLlm } from './llm.js';
import { clipText } from '../../infra/unicode.js';
import { ngrams, stemSequence } from './words.js';

type PersonaLike = Pick<Persona, 'name' | 'description' | 'systemPrompt'> | null;
type ScenarioLike = Pick<Scenario, 'name' | 'instructions' | 'successCriteria'>;

/** A user sentence sharing this many consecutive content words with the success criteria is dropped. */
export const CRITERIA_RUN = 4;

/** The text without its sentences that share a run of CRITERIA_RUN content words with the criteria. */
export function withoutCriteria(text: string, criteria: string | null | undefined): string {
  const banned = ngrams(stemSequence(criteria ?? ''), CRITERIA_RUN);
  if (!banned.size) return text.trim();
  const sentences = text.split(/(?<=[.!?])\s+/);
  return sentences
    .filter((sentence) => ![...ngrams(stemSequence(sentence), CRITERIA_RUN)].some((g) => banned.has(g)))
    .join(' ')
    .trim();
}

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
  if (scenario.instructions?.trim()) parts.push(`## What you want\n${scenario.instructions.trim()}`);
  parts.push(
    'Pursue this in your own words and your own voice, one step at a time. Do not tell the assistant what a correct answer or result would be, do not supply reference numbers or outcomes it should give you, and do not declare that you are satisfied until it has actually done what you asked.',
  );
  return parts.join('\n\n');
}

// --- the embedded simulated user -------------------------------------------------------------

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
  impatient: ['That does not sort it out.', 'Come on, that is not what I asked.', 'I am still waiting.'],
  polite: ['Thank you, but I am afraid that does not quite solve it yet.', 'I appreciate it, though I still need your help.', 'That is kind of you, but we are not there yet.'],
  confused: ['Sorry, I did not follow that.', 'I am still not sure what happens now.', 'I am a bit lost, sorry.'],
  technical: ['That is vague.', 'That does not answer the request.', 'Not precise enough.'],
  neutral: ['That does not help yet.', 'I still need this sorted.', 'Hmm, not quite.'],
};

const PRESS: Record<Voice, readonly string[]> = {
  impatient: ['Just do it now, please.', 'Can you actually do it instead of talking about it?', 'Do it and tell me when it is done.'],
  polite: ['Could you please take care of it for me now?', 'Would you be able to do that for me today?', 'Could you let me know once it is actually done?'],
  confused: ['Can you do it for me? I do not know how.', 'What do I need to do, or can you do it for me?', 'Could you just sort it out for me?'],
  technical: ['Please perform the change and report the outcome.', 'Execute it and give me the result.', 'Do it and show me the outcome.'],
  neutral: ['Can you do that for me?', 'Please go ahead.', 'Can you sort that out now?'],
};

const CLOSERS: Record<Voice, readonly string[]> = {
  impatient: ['Fine.', 'Okay, got it.'],
  polite: ['Thank you so much.', 'Wonderful, thank you.'],
  confused: ['Oh, I think I understand now, thank you.', 'Okay, that makes more sense now.'],
  technical: ['Understood.', 'Clear.'],
  neutral: ['Thanks.', 'Great, thank you.'],
};

const ANSWERS = ['To answer you: yes.', 'As for your question, that is right.', 'Yes, that is correct.'];

/** "Ask about the refund policy" → "I want to ask about the refund policy." */
function firstPerson(sentence: string): string {
  const s = sentence.trim().replace(/[.!]+$/, '');
  const verb = /^(ask|find out|request|inquire|enquire|get|learn|check|book|cancel|change|order|return|report|reset|update|move|reschedule|sign up|close|upgrade|downgrade)\b\s*(.*)$/i.exec(s);
  if (verb) return `I want to ${verb[1]!.toLowerCase()} ${verb[2]}`.trim() + '.';
  const wants = /^(?:(?:you|the user)\s+)?(want|need|try|hope)s?\s+to\s+(.*)$/i.exec(s);
  if (wants) return `I ${wants[1]!.toLowerCase()} to ${wants[2]}.`;
  const you = /^(?:you|the user)\s+(?:are|is)\s+(.*)$/i.exec(s);
  if (you) return `I am ${you[1]}.`;
  const yours = /^(?:you|the user)\s+(have|has|had|bought|ordered|booked|paid|received|got|noticed|moved|lost|forgot)\b\s*(.*)$/i.exec(s);
  if (yours) return `I ${yours[1]!.toLowerCase() === 'has' ? 'have' : yours[1]!.toLowerCase()} ${yours[2]}.`.replace(/\s+\./, '.');
  const your = /^(?:your|the user's|the user’s)\s+(.*)$/i.exec(s);
  if (your) return `My ${your[1]}.`;
  return `${s}.`;
}

/** The instructions' sentences, in order. */
function sentencesOf(text: string | null | undefined): string[] {
  const clean = (text ?? '').replace(/\s+/g, ' ').trim();
  return clean ? clean.split(/(?<=[.!?])\s+/).map((x) => clipText(x, 240)) : [];
}

export function embeddedUserTurn(persona: PersonaLike, scenario: ScenarioLike, messages: RunMessage[]): string {
  const voice = voiceOf(persona);
  const conversation = messages.filter((m) => m.role === 'user' || m.role === 'assistant');
  const turn = conversation.filter((m) => m.role === 'user').length;
  const seed = `${persona?.name ?? ''}|${scenario.name}|${turn}|${conversation.at(-1)?.content ?? ''}`;
  const name = persona?.name ? `${persona.name} here. ` : '';
  const clean = (text: string) => withoutCriteria(text, scenario.successCriteria);

  const userTexts = conversation.filter((m) => m.role === 'user').map((m) => m.content);
  // The instructions not said yet, in order (seed turns may come first); once all are said it presses the agent twice, then closes.
  const steps = sentencesOf(scenario.instructions).map(firstPerson).map(clean).filter(Boolean);
  const pending = steps.filter((st) => !userTexts.some((u) => u.includes(st)));
  if (turn === 0) {
    const request = pending[0] ?? 'I have a question and need some help.';
    return [pick(seed, 'open', OPENERS[voice]), name + request].filter(Boolean).join(' ');
  }
  const lastReply = conversation.filter((m) => m.role === 'assistant').at(-1)?.content ?? '';
  const answered = /\?\s*$/.test(lastReply.trim()) ? pick(seed, 'answer', ANSWERS) : '';
  if (pending.length) return [answered, pending[0]].filter(Boolean).join(' ');
  const lastStep = userTexts.findLastIndex((u) => steps.some((st) => u.includes(st)));
  if (userTexts.length - 1 - lastStep < 2) return [answered, pick(seed, 'push', PUSHES[voice]), pick(seed, 'press', PRESS[voice])].filter(Boolean).join(' ');
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
  // A model may still recite the criteria it was never given (from instructions that quote them): those sentences go.
  const content = withoutCriteria(res.text, input.scenario.successCriteria) || pick(history, 'press', PRESS.neutral);
  return { message: { role: 'user', content, metadata: { provider: 'openai', model: res.model } }, usage: res.usage };
}
