/**
 * Drafting content directions ({title, prompt}) for a profile from a
 * free-form brief (POST /api/v1/profiles/:id/content-directions/draft).
 *
 * With OpenAI the model gets the profile, its influencer, the existing
 * directions (not to repeat) and recent corpus samples, and answers JSON.
 * The embedded composer builds them deterministically: the brief's
 * keywords (consecutive pairs, so each direction has its own focus), a set
 * of post formats (behind the scenes, how-to, myth vs fact, …) ordered by a
 * seed, the niche, who is shown, and the voice's habits (voice.ts) as a
 * closing "Voice:" note. Same inputs, same drafts.
 */
import { createHash } from 'node:crypto';
import type { Deps } from '../../context.js';
import { countTokens } from '../../infra/ai/chat.js';
import { ProviderError } from '../../infra/ai/openai.js';
import { analyzeVoice, type VoiceStyle } from './voice.js';
import { clipText } from '../../infra/unicode.js';

export interface DraftInput {
  brief: string;
  count: number;
  profile: { id: string; name: string; niche: string | null; description: string | null };
  influencer?: { name: string; handle: string | null; bio: string | null; niche: string | null; basePrompt: string | null } | null;
  /** Recent corpus texts, newest first. */
  voiceSamples: string[];
  /** Titles of the profile's directions, not to be repeated. */
  existingTitles: string[];
}

export interface DraftedDirection {
  title: string;
  prompt: string;
}

export interface DraftResult {
  directions: DraftedDirection[];
  provider: 'openai' | 'embedded';
  model: string;
  usage: { promptTokens: number; completionTokens: number };
}

const MAX_TITLE = 200;
const MAX_PROMPT = 2000;

export async function draftDirections(deps: Pick<Deps, 'ai'>, input: DraftInput, signal?: AbortSignal): Promise<DraftResult> {
  const backend = deps.ai.forText();
  if (backend.kind === 'embedded') {
    const directions = composeDirections(input);
    const completion = directions.reduce((n, d) => n + countTokens(d.title) + countTokens(d.prompt), 0);
    return { directions, provider: 'embedded', model: backend.model, usage: { promptTokens: 0, completionTokens: completion } };
  }
  const { profile, influencer } = input;
  const examples = input.voiceSamples.slice(0, 15).map((t, i) => `${i + 1}. ${t}`).join('\n');
  const system = [
    `You plan social media content for the brand voice "${profile.name}"${profile.niche ? ` (niche: ${profile.niche})` : ''}.`,
    profile.description ? `About the brand: ${profile.description}` : '',
    influencer
      ? `The posts show ${influencer.name}${influencer.handle ? ` (@${influencer.handle})` : ''}${influencer.niche ? `, a ${influencer.niche} creator` : ''}${influencer.bio ? `: ${influencer.bio}` : ''}.`
      : '',
    examples ? `Earlier posts in this voice:\n${examples}` : '',
    input.existingTitles.length ? `Existing content directions (do not repeat them): ${input.existingTitles.join('; ')}` : '',
    'A content direction is a recurring theme for posts: a short title and a prompt of one to three sentences saying what the post shows and how it speaks.',
    'Answer with a JSON object {"directions": [{"title": string, "prompt": string}]} and nothing else.',
  ]
    .filter(Boolean)
    .join('\n\n');
  const prompt = `Brief: ${input.brief}\n\nDraft exactly ${input.count} distinct content directions grounded in this brand, its niche and its voice.`;
  const res = await backend.complete({ system, prompt, json: true, signal });
  const directions = parseDirections(res.text, input.count);
  if (!directions.length) throw new ProviderError('The LLM provider returned no usable content directions');
  return { directions, provider: 'openai', model: res.model, usage: res.usage };
}

/** The model's JSON: `{directions: [...]}` (or any array of {title, prompt} at the top level); malformed entries are dropped. */
export function parseDirections(text: string, count: number): DraftedDirection[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const obj = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const list = Array.isArray(parsed) ? parsed : Array.isArray(obj.directions) ? obj.directions : (Object.values(obj).find(Array.isArray) ?? []);
  const out: DraftedDirection[] = [];
  const seen = new Set<string>();
  for (const entry of list as unknown[]) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const title = typeof e.title === 'string' ? clipText(e.title.trim(), MAX_TITLE) : '';
    const prompt = typeof e.prompt === 'string' ? clipText(e.prompt.trim(), MAX_PROMPT) : typeof e.description === 'string' ? clipText(e.description.trim(), MAX_PROMPT) : '';
    if (!title || !prompt || seen.has(title.toLowerCase())) continue;
    seen.add(title.toLowerCase());
    out.push({ title, prompt });
    if (out.length >= count) break;
  }
  return out;
}

// --- the embedded composer ---------------------------------------------------

const STOP = new Set(
  (
    'a an the and or but of to in on at for with about into from by is are be was were this that these those my our your their its it i we you they me us them ' +
    'want wants need needs would could should like love make makes making create post posts content ideas idea something some more most lots lot please give show ' +
    'help get let can will just also very really things thing stuff series weekly daily using use way ways focus focused kind sort type types around before after during while when where how what which who'
  ).split(' '),
);

/**
 * The brief's phrases: runs of content words that stand together in it
 * ("morning coffee rituals", "long trail runs"), longer runs cut in pairs.
 */
function briefPhrases(text: string, n: number): string[] {
  const out: string[] = [];
  for (const chunk of text.toLowerCase().split(/[.,;:!?()\n]+/)) {
    let run: string[] = [];
    const flush = () => {
      if (run.length <= 3) out.push(run.join(' '));
      else for (let i = 0; i < run.length; i += 2) out.push(run.slice(i, i + 2).join(' '));
      run = [];
    };
    for (const w of chunk.match(/[\p{L}][\p{L}\p{N}'-]*/gu) ?? []) {
      const word = w.replace(/'s$/, '');
      if (word.length > 2 && !STOP.has(word)) run.push(word);
      else if (run.length) flush();
    }
    if (run.length) flush();
  }
  return [...new Set(out.filter(Boolean))].slice(0, n);
}

const cap = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

interface Format {
  title: (focus: string) => string;
  prompt: (focus: string, who: string, audience: string) => string;
}

const FORMATS: Format[] = [
  { title: (f) => `${cap(f)}: behind the scenes`, prompt: (f, who, a) => `Behind the scenes of ${f}: ${who} getting ready, the small details and the unpolished moments ${a} rarely see.` },
  { title: (f) => `${cap(f)} in three steps`, prompt: (f, who) => `A simple how-to on ${f}: the three steps ${who} actually follows, one clear frame per step.` },
  { title: (f) => `A day of ${f}`, prompt: (f, who) => `Follow ${who} through a day shaped by ${f}, morning to night, in candid real-time moments.` },
  { title: (f) => `${cap(f)}: myth vs fact`, prompt: (f, who, a) => `Take one thing ${a} still get wrong about ${f}, say why it is a myth, and show what ${who} does instead.` },
  { title: (f) => `Before and after: ${f}`, prompt: (f, who) => `Show the difference ${f} makes: a before shot, an after shot, and the one change ${who} made in between.` },
  { title: (f) => `Current favourites: ${f}`, prompt: (f, who) => `${cap(who)}'s three current favourites for ${f}, each with one line on why it earns its place.` },
  { title: (f) => `Your take on ${f}`, prompt: (f, who, a) => `A question-led post that asks ${a} how they do ${f}, with ${who}'s own honest answer first to start the conversation.` },
  { title: (f) => `Story time: ${f}`, prompt: (f, who) => `A short personal story from ${who} about ${f}: how it started, what went wrong, what it taught.` },
  { title: (f) => `${cap(f)} mistakes to skip`, prompt: (f, who) => `The common mistakes with ${f}, shown by ${who} one by one, each with the quick fix.` },
  { title: (f) => `${cap(f)} on a budget`, prompt: (f, who) => `How ${who} keeps ${f} simple and affordable: what to skip, what is worth it.` },
  { title: (f) => `The ${f} checklist`, prompt: (f, who, a) => `${cap(who)}'s save-worthy checklist for ${f}: short items ${a} can tick off, laid out in one clean image.` },
  { title: (f) => `${cap(f)} this season`, prompt: (f, who) => `How ${f} changes with the season right now, and what ${who} is doing differently because of it.` },
];

function order(seed: string, n: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  let state = createHash('sha256').update(seed).digest();
  for (let i = n - 1; i > 0; i--) {
    state = createHash('sha256').update(state).digest();
    const j = state.readUInt32BE(0) % (i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

function voiceNote(style: VoiceStyle): string {
  if (!style.samples) return 'Voice: warm, clear and first-person.';
  const notes: string[] = [];
  if (style.lowercaseShare > 0.5) notes.push('casual, all lower case');
  if (style.exclamationShare > 0.5) notes.push('upbeat, with exclamation marks');
  if (style.questionShare > 0.3) notes.push('end on a question');
  if (style.averageWords && style.averageWords <= 12) notes.push('short lines');
  else if (style.averageWords >= 40) notes.push('longer, story-like captions');
  if (style.phrases.length) notes.push(`echo "${style.phrases[0]}"`);
  if (style.emoji.length) notes.push(`use ${style.emoji.slice(0, 2).join('')}`);
  if (style.hashtags.length) notes.push(`tag ${style.hashtags.slice(0, 2).join(' ')}`);
  return `Voice: ${notes.length ? notes.join('; ') : 'as in the earlier posts'}.`;
}

/** Exported for tests. Distinct titles; never the brief verbatim. */
export function composeDirections(input: DraftInput): DraftedDirection[] {
  const niche = (input.profile.niche ?? input.influencer?.niche ?? '').trim().toLowerCase();
  // The brief's own phrases, each direction taking the next; the niche when the brief has none.
  const foci = briefPhrases(input.brief, 6);
  if (!foci.length) foci.push(niche || 'everyday moments');
  const who = input.influencer?.name ?? input.profile.name;
  const audience = niche ? `${niche} followers` : 'followers';
  const note = voiceNote(analyzeVoice(input.voiceSamples));
  const taken = new Set(input.existingTitles.map((t) => t.trim().toLowerCase()));
  const perm = order(`${input.profile.id}|${input.brief}`, FORMATS.length);
  const out: DraftedDirection[] = [];
  for (let round = 0; out.length < input.count && round < 4; round++) {
    for (const [k, f] of perm.entries()) {
      if (out.length >= input.count) break;
      const focus = foci[(k + round) % foci.length]!;
      const title = clipText(FORMATS[f]!.title(focus), MAX_TITLE);
      if (taken.has(title.toLowerCase())) continue;
      taken.add(title.toLowerCase());
      const nicheLine = niche && !focus.includes(niche) ? ` Keep it rooted in ${niche}.` : '';
      out.push({ title, prompt: clipText(`${FORMATS[f]!.prompt(focus, who, audience)}${nicheLine} ${note}`, MAX_PROMPT) });
    }
  }
  return out;
}
