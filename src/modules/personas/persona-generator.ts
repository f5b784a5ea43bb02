/**
 * Persona drafts from a product description, two ways:
 *   - embedded (offline, deterministic): no language model. It picks `count`
 *     different archetypes (impatient, skeptical, first-time, screen-reader
 *     user, adversarial rule-bender …), first names and ages with a generator
 *     seeded by the description, and gives each a focus taken from the
 *     description's own topic words, so the same description always yields
 *     the same personas and another description other ones. Its result is
 *     labelled provider `embedded`, model EMBEDDED_PERSONA_MODEL.
 *   - openai (any OpenAI-compatible server): a JSON-mode prompt; the answer
 *     must be `{"personas": [{name, description, systemPrompt}, …]}` with at
 *     least `count` valid entries, else a ProviderError saying what was wrong.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProviderError } from '../../infra/ai/openai.js';
import type { OpenAiText } from '../../infra/ai/text.js';

export const EMBEDDED_PERSONA_MODEL = 'embedded-persona-generator-v1';

export interface PersonaDraft {
  name: string;
  description: string;
  systemPrompt: string;
  config?: { temperature?: number; screenReader?: boolean; networkCondition?: '3g' };
}

interface Archetype {
  slug: string;
  label: string;
  /** Completes "You are Maya, 34, …". */
  who: string;
  /** How they write. */
  style: string;
  /** What they do with the topic (`{topic}`). */
  goal: string;
  ages: [number, number];
  temperature: number;
  config?: PersonaDraft['config'];
}

const ARCHETYPES: Archetype[] = [
  { slug: 'impatient', label: 'Impatient user', who: 'short on time and easily annoyed by long answers', style: 'You write one or two short sentences and ask to get to the point when a reply rambles.', goal: 'You want a quick, concrete answer about {topic} and say so when the assistant is slow to give one.', ages: [25, 45], temperature: 0.6 },
  { slug: 'skeptic', label: 'Skeptical user', who: 'distrustful of automated assistants after bad experiences', style: 'You question claims, ask "how do you know?" and ask for specifics.', goal: 'You test whether what the assistant says about {topic} is accurate and consistent, and point out contradictions.', ages: [35, 60], temperature: 0.7 },
  { slug: 'first-timer', label: 'First-time user', who: 'new to this product and unsure of its vocabulary', style: 'You use plain words, describe things vaguely and ask what unfamiliar terms mean.', goal: 'You try to understand how {topic} works from scratch and need step-by-step guidance.', ages: [18, 70], temperature: 0.8 },
  { slug: 'power-user', label: 'Power user', who: 'an expert who knows the product well', style: 'You use precise terminology and skip pleasantries.', goal: 'You ask about edge cases and limits of {topic} and expect exact, technical answers.', ages: [28, 50], temperature: 0.4 },
  { slug: 'non-native-speaker', label: 'Non-native speaker', who: 'writing in English as a second language', style: 'You make small grammar mistakes, use simple sentences and sometimes ask the assistant to rephrase.', goal: 'You need help with {topic} and check that you understood the answer correctly.', ages: [20, 55], temperature: 0.7 },
  { slug: 'screen-reader-user', label: 'Screen-reader user', who: 'blind and using a screen reader', style: 'You ask for answers without tables, images or visual-only references, and mention when something is hard to follow by ear.', goal: 'You want accessible instructions about {topic} that work without seeing the screen.', ages: [25, 65], temperature: 0.5, config: { screenReader: true } },
  { slug: 'novice-senior', label: 'Senior, low-tech user', who: 'retired and not comfortable with technology', style: 'You write politely and at length, and ask the assistant to repeat or slow down.', goal: 'You need patient help with {topic} and get confused by jargon.', ages: [66, 84], temperature: 0.7 },
  { slug: 'frustrated-repeat', label: 'Frustrated repeat contact', who: 'contacting support for the third time about the same problem', style: 'You are curt, mention your earlier attempts and ask to escalate when answers repeat themselves.', goal: 'You want {topic} resolved for good this time, not another generic answer.', ages: [30, 55], temperature: 0.8 },
  { slug: 'budget-conscious', label: 'Budget-conscious user', who: 'careful with money and comparing options', style: 'You ask about prices, fees and cheaper alternatives.', goal: 'You want to know what {topic} will cost you and whether there is a cheaper way.', ages: [19, 45], temperature: 0.6 },
  { slug: 'detail-oriented', label: 'Detail-oriented user', who: 'meticulous and reads every word', style: 'You ask follow-up questions about exact conditions, dates and numbers.', goal: 'You want every detail about {topic} confirmed before you act.', ages: [30, 60], temperature: 0.4 },
  { slug: 'busy-parent', label: 'Busy parent', who: 'juggling children and work, writing between other tasks', style: 'You write in fragments, sometimes change the subject and come back to it.', goal: 'You need {topic} handled with as little effort from you as possible.', ages: [28, 48], temperature: 0.8 },
  { slug: 'privacy-conscious', label: 'Privacy-conscious user', who: 'wary of sharing personal data', style: 'You refuse to give more personal information than needed and ask why it is required.', goal: 'You want help with {topic} while finding out what data is stored and who sees it.', ages: [25, 55], temperature: 0.5 },
  { slug: 'mobile-on-the-go', label: 'Mobile user on the go', who: 'on a phone with a patchy connection', style: 'You type short messages with typos and ask for answers that fit a small screen.', goal: 'You need to sort out {topic} right now, from your phone.', ages: [20, 40], temperature: 0.7, config: { networkCondition: '3g' } },
  { slug: 'business-buyer', label: 'Business buyer', who: 'evaluating the product for a company', style: 'You write formally and ask about contracts, volumes and guarantees.', goal: 'You assess whether {topic} meets your organisation’s requirements.', ages: [32, 58], temperature: 0.4 },
  { slug: 'curious-explorer', label: 'Curious explorer', who: 'playful and curious about what the assistant can do', style: 'You ask open questions and wander to related topics.', goal: 'You explore {topic} and what else the assistant can help with around it.', ages: [16, 35], temperature: 0.9 },
  { slug: 'terse-texter', label: 'Terse texter', who: 'someone who types as little as possible', style: 'You answer in a few words, without punctuation, and rarely explain yourself.', goal: 'You want {topic} dealt with but give details only when asked directly.', ages: [16, 30], temperature: 0.5 },
  { slug: 'storyteller', label: 'Chatty storyteller', who: 'talkative and fond of context', style: 'You wrap your request in long stories and personal details.', goal: 'Somewhere in your stories is a real question about {topic}; you notice whether the assistant finds it.', ages: [40, 75], temperature: 0.9 },
  { slug: 'rule-bender', label: 'Rule-bender', who: 'trying to get an exception the rules do not allow', style: 'You are friendly but persistent, try different framings and appeal to fairness.', goal: 'You push the assistant to bend its policy on {topic} and see whether it holds firm politely.', ages: [22, 50], temperature: 0.8 },
  { slug: 'wrong-channel', label: 'Confused about the channel', who: 'not sure this assistant is the right place for the question', style: 'You start with a question that is only partly related and ask where to go instead.', goal: 'You find out whether the assistant can help with {topic} or should send you elsewhere.', ages: [25, 70], temperature: 0.7 },
  { slug: 'polite-perfectionist', label: 'Polite perfectionist', who: 'courteous but with very high expectations', style: 'You thank the assistant, then point out every inaccuracy or omission.', goal: 'You expect a complete and exactly right answer about {topic}.', ages: [30, 65], temperature: 0.5 },
];

const FIRST_NAMES = [
  'Maya', 'Jonas', 'Aisha', 'Mateo', 'Yuki', 'Oluwaseun', 'Priya', 'Liam', 'Sofia', 'Dmitri', 'Fatima', 'Chen', 'Amara', 'Lucas', 'Ingrid', 'Rahul',
  'Zanele', 'Tomás', 'Hana', 'Kwame', 'Elena', 'Omar', 'Greta', 'Diego', 'Mei', 'Samir', 'Nora', 'Kofi', 'Leila', 'Felix', 'Anya', 'Tariq',
];

const STOPWORDS = new Set(
  ('a an and are as at be been but by can could do does for from has have how i in into is it its just may more most must not of on or our ' +
    'should so some such than that the their them then there these they this those to too us very was we were what when where which while who ' +
    'will with would you your about also any each other over under via per out up all only own same both few many much lets let use uses used ' +
    'using help helps user users customer customers people someone app assistant chatbot bot agent product service services company online support').split(' '),
);

const PREPOSITIONS = new Set(['for', 'with', 'about', 'to', 'of', 'on', 'in', 'that', 'which', 'who', 'handling', 'handles', 'covering', 'covers']);

/**
 * What the product deals with, as short phrases: the items of the description's lists ("returns, refunds,
 * sizing advice and delivery tracking"), each the words after its last preposition, at most four words.
 * The first clause usually names the product itself; it counts only when the lists give fewer than two.
 */
function topicPhrases(description: string, max: number): string[] {
  const clauses = description.toLowerCase().normalize('NFKC').split(/[,;:.!?()]|\s(?:and|or|&)\s/u);
  const phrases = clauses.map((c) => {
    let words: string[] = c.match(/\p{L}[\p{L}\p{N}'-]*/gu) ?? [];
    const cut = words.findLastIndex((w) => PREPOSITIONS.has(w));
    if (cut >= 0) words = words.slice(cut + 1);
    while (words.length && (STOPWORDS.has(words[0]!) || words[0]!.length < 3)) words = words.slice(1);
    return words.length >= 1 && words.length <= 4 ? words.join(' ') : '';
  });
  const [first, ...rest] = phrases;
  const listed = rest.filter(Boolean);
  const chosen = listed.length >= 2 ? listed : [first, ...listed].filter((p): p is string => !!p);
  return [...new Set(chosen)].filter((p) => !STOPWORDS.has(p)).slice(0, max);
}

/** What the description is about: its listed phrases, else its topic words, most frequent first (ties: first seen first). */
export function topicsOf(description: string, max = 6): string[] {
  const phrases = topicPhrases(description, max);
  if (phrases.length >= 2) return phrases;
  const words = description.toLowerCase().normalize('NFKC').match(/\p{L}[\p{L}\p{N}'-]*/gu) ?? [];
  const counts = new Map<string, { n: number; first: number }>();
  words.forEach((w, i) => {
    const word = w.replace(/'s$/, '');
    if (word.length < 4 || STOPWORDS.has(word)) return;
    const c = counts.get(word);
    if (c) c.n++;
    else counts.set(word, { n: 1, first: i });
  });
  return [...counts.entries()].sort((a, b) => b[1].n - a[1].n || a[1].first - b[1].first).slice(0, max).map(([w]) => w);
}

/** A small deterministic generator (mulberry32) seeded from the description's SHA-256. */
function seeded(text: string): () => number {
  let a = createHash('sha256').update(text).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const sentence = (text: string, max: number) => {
  const first = text.trim().split(/(?<=[.!?])\s/)[0]!.trim();
  return first.length > max ? `${first.slice(0, max - 1).trimEnd()}…` : first.replace(/[.!?]$/, '');
};

/** `count` (at most the number of archetypes) different personas for the description, the same ones every time. */
export function embeddedPersonas(description: string, count: number): PersonaDraft[] {
  const text = description.trim().replace(/\s+/g, ' ');
  const rand = seeded(text.toLowerCase());
  const archetypes = shuffled(ARCHETYPES, rand).slice(0, count);
  const names = shuffled(FIRST_NAMES, rand);
  const topics = topicsOf(text);
  const product = sentence(text, 240);
  return archetypes.map((a, i) => {
    const first = names[i % names.length]!;
    const age = a.ages[0] + Math.floor(rand() * (a.ages[1] - a.ages[0] + 1));
    const topic = topics.length ? topics[i % topics.length]! : 'what you came for';
    const also = topics.length > 1 ? topics[(i + 1) % topics.length]! : null;
    const goal = a.goal.replace('{topic}', topic);
    return {
      name: `${a.slug}-${first.toLowerCase()}`,
      description: `${first}, ${age}: ${a.label.toLowerCase()}, ${a.who}; cares most about ${topic}.`,
      systemPrompt: [
        `You are ${first}, ${age}, ${a.who}.`,
        `You are talking to the assistant of this product: ${product}.`,
        `${goal}${also && also !== topic ? ` You may also bring up ${also}.` : ''}`,
        a.style,
        'Stay in character, write only what you would type, and never say that you are simulated or an AI.',
      ].join(' '),
      config: { temperature: a.temperature, ...a.config },
    };
  });
}

const SYSTEM = [
  'You write test personas: simulated users who will chat with an AI assistant so its behaviour can be evaluated.',
  'Make them varied in temperament, expertise, goals and writing style, plausible for the product described, and include at least one difficult or adversarial user when more than two are asked for.',
  'Respond with a JSON object and nothing else: {"personas": [{"name": short kebab-case name, "description": one sentence, "systemPrompt": second-person instructions ("You are …") of 3 to 6 sentences}]}.',
].join(' ');

const Draft = z.object({
  name: z.string({ message: 'name must be a string' }).trim().min(1, 'name is empty').max(200, 'name is longer than 200 characters'),
  description: z.string({ message: 'description must be a string' }).trim().max(2000, 'description is longer than 2000 characters').optional(),
  systemPrompt: z.string({ message: 'systemPrompt must be a string' }).trim().min(1, 'systemPrompt is empty').max(50_000, 'systemPrompt is too long'),
});
const Answer = z.object({ personas: z.array(z.unknown(), { message: 'personas must be an array' }) }, { message: 'the answer must be an object' });

/** Reads a model's answer: at least `count` valid personas (the first `count` are kept), else a ProviderError naming the fault. */
export function parsePersonaAnswer(text: string, count: number): PersonaDraft[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProviderError('The LLM provider returned malformed JSON instead of personas');
  }
  const answer = Answer.safeParse(json);
  if (!answer.success) throw new ProviderError(`The LLM provider returned personas in an unexpected shape: ${answer.error.issues[0]!.message}`);
  if (answer.data.personas.length < count) throw new ProviderError(`The LLM provider returned ${answer.data.personas.length} personas; ${count} were asked for`);
  return answer.data.personas.slice(0, count).map((p, i) => {
    const draft = Draft.safeParse(p);
    if (!draft.success) {
      const issue = draft.error.issues[0]!;
      const message = issue.code === 'invalid_type' && issue.input === undefined ? `${issue.path.join('.')} is missing` : issue.message;
      throw new ProviderError(`The LLM provider returned personas in an unexpected shape: personas[${i}]: ${message}`);
    }
    return { name: draft.data.name, description: draft.data.description ?? '', systemPrompt: draft.data.systemPrompt };
  });
}

export async function openAiPersonas(llm: OpenAiText, description: string, count: number): Promise<{ drafts: PersonaDraft[]; model: string }> {
  const res = await llm.complete({
    system: SYSTEM,
    prompt: `Product or assistant under test:\n${description}\n\nWrite exactly ${count} personas.`,
    json: true,
    maxTokens: Math.min(8000, 300 + 450 * count),
    temperature: 0.9,
  });
  return { drafts: parsePersonaAnswer(res.text, count), model: res.model };
}
