/**
 * Captions in a profile's voice: for content items (batches, regenerate,
 * fine-tune-caption) and for POST /api/v1/profiles/:id/generate-caption.
 *
 * With OpenAI the model gets the profile, the influencer, the direction,
 * recent corpus samples as examples of the voice, and the image (vision).
 * The embedded writer composes a caption deterministically from the same
 * inputs: words of the direction, the niche, and the corpus's habits
 * (hashtags, emoji, recurring phrases, casing, punctuation; see voice.ts),
 * varied by `seed`, so two items of a batch differ and a rerun is identical.
 */
import { createHash } from 'node:crypto';
import type { Deps } from '../../context.js';
import { countTokens } from '../../infra/ai/chat.js';
import { analyzeVoice, type VoiceStyle } from './voice.js';
import { clipText } from '../../infra/unicode.js';

export interface CaptionInput {
  profile: { name: string; niche: string | null; description: string | null };
  influencer?: { name: string; handle: string | null; bio: string | null; niche: string | null } | null;
  /** Recent texts of the profile's voice corpus, newest first. */
  voiceSamples: string[];
  /** What the post is about: a content direction or the batch prompt. */
  direction?: string | null;
  image?: { bytes: Buffer; contentType: string } | null;
  /** Varies the embedded composition (e.g. the item id); same seed, same caption. */
  seed: string;
  /** Fine-tuning: the caption to rewrite and how. */
  previous?: string | null;
  instructions?: string | null;
}

export interface Caption {
  caption: string;
  provider: 'openai' | 'embedded';
  model: string;
  usage: { promptTokens: number; completionTokens: number };
}

export const MAX_CAPTION_LENGTH = 2200; // Instagram's limit, the strictest of the platforms

export async function writeCaption(deps: Pick<Deps, 'ai'>, input: CaptionInput, signal?: AbortSignal): Promise<Caption> {
  const backend = deps.ai.forText();
  if (backend.kind === 'embedded') {
    const caption = composeCaption(input);
    return { caption, provider: 'embedded', model: backend.model, usage: { promptTokens: 0, completionTokens: countTokens(caption) } };
  }
  const { profile, influencer } = input;
  const examples = input.voiceSamples.slice(0, 12).map((t, i) => `${i + 1}. ${t}`).join('\n');
  const system = [
    `You write social media captions for the brand voice "${profile.name}"${profile.niche ? ` (niche: ${profile.niche})` : ''}.`,
    profile.description ? `About the brand: ${profile.description}` : '',
    influencer ? `The post shows ${influencer.name}${influencer.handle ? ` (@${influencer.handle})` : ''}${influencer.bio ? `: ${influencer.bio}` : ''}.` : '',
    examples ? `Match the voice of these earlier posts (wording, length, emoji, hashtags):\n${examples}` : '',
    `Answer with the caption only, at most ${MAX_CAPTION_LENGTH} characters.`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const prompt = input.previous
    ? `Rewrite this caption${input.instructions ? ` (${input.instructions})` : ''}:\n${input.previous}`
    : `Write the caption for this post${input.direction ? ` about: ${input.direction}` : ''}.${input.instructions ? `\nInstructions: ${input.instructions}` : ''}`;
  const res = await backend.complete({ system, prompt, images: input.image ? [input.image] : undefined, signal });
  return { caption: clipText(res.text.trim(), MAX_CAPTION_LENGTH), provider: 'openai', model: res.model, usage: res.usage };
}

// --- the embedded composer ---------------------------------------------------

function picker(seed: string) {
  let state = createHash('sha256').update(seed).digest();
  let i = 0;
  return <T>(items: readonly T[]): T => {
    if (i >= state.length - 1) {
      state = createHash('sha256').update(state).digest();
      i = 0;
    }
    const n = state.readUInt16BE(i);
    i += 2;
    return items[n % items.length]!;
  };
}

const WORD_STOP = new Set('a an the and or but of to in on at for with about into from by is are be this that my our your their new post photo image'.split(' '));

function keywords(text: string | null | undefined, n: number): string[] {
  const seen = new Set<string>();
  for (const w of (text ?? '').toLowerCase().match(/[\p{L}][\p{L}\p{N}'-]*/gu) ?? []) {
    if (w.length > 2 && !WORD_STOP.has(w)) seen.add(w);
    if (seen.size >= n) break;
  }
  return [...seen];
}

const HOOKS = ['{Topic} kind of day', 'Currently: {topic}', 'All about {topic} right now', 'Small joys: {topic}', 'Notes on {topic}', 'This is your sign for {topic}'];
const BODIES = [
  'Keeping it simple and showing up anyway',
  'Some days the plan is just to enjoy it',
  'Saving this one for the days that need it',
  'Proof that the little things carry the most',
  'No filter on the feeling, only on the light',
  'Taking notes for the next one',
];
const QUESTIONS = ['What would you add?', 'Who else needed this today?', 'Which one are you?', 'Tell me yours below'];

function tag(word: string): string {
  return '#' + word.replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Exported for tests and for the fine-tune path. */
export function composeCaption(input: CaptionInput): string {
  const style: VoiceStyle = analyzeVoice(input.voiceSamples);
  const pick = picker(`${input.seed}|${input.direction ?? ''}|${input.instructions ?? ''}`);
  if (input.previous) return refine(input.previous, input.instructions ?? '', style, pick);

  const topicWords = keywords(input.direction, 3);
  const nicheWords = keywords(input.profile.niche ?? input.influencer?.niche, 2);
  const topic = topicWords.length ? topicWords.slice(0, 2).join(' ') : (nicheWords[0] ?? 'today');
  const hook = pick(HOOKS).replace('{Topic}', topic[0]!.toUpperCase() + topic.slice(1)).replace('{topic}', topic);
  const end = style.exclamationShare > 0.5 ? '!' : '.';
  const parts = [hook + end, pick(BODIES) + (style.phrases.length ? `, ${pick(style.phrases)}` : '') + end];
  if (style.questionShare > 0.3 || (!style.samples && pick([0, 1]) === 1)) parts.push(pick(QUESTIONS));
  let text = parts.join(' ');
  if (style.emoji.length) text += ' ' + style.emoji.slice(0, 2).join('');
  if (style.lowercaseShare > 0.5) text = text.toLowerCase();
  const tags = [...style.hashtags.slice(0, 3), ...[...topicWords, ...nicheWords].slice(0, 2).map(tag)];
  const unique = [...new Set(tags.map((t) => t.toLowerCase()))].slice(0, 5);
  const composed = unique.length ? `${text}\n\n${unique.join(' ')}` : text;
  // Instructions for a fresh caption (generate-caption): applied as far as they are understood.
  if (input.instructions) {
    const adjusted = applyInstructions(text, unique.join(' '), input.instructions, style, pick);
    return clipText(adjusted.tags ? `${adjusted.text}\n\n${adjusted.tags}` : adjusted.text, MAX_CAPTION_LENGTH);
  }
  return clipText(composed, MAX_CAPTION_LENGTH);
}

/** The instructions the embedded writer understands (shorter, longer, a question, hashtags, emoji, casing, tone). */
function applyInstructions(body: string, tagLine: string, instructions: string, style: VoiceStyle, pick: <T>(items: readonly T[]) => T): { text: string; tags: string } {
  const how = instructions.toLowerCase();
  let text = body.trim();
  let tags = tagLine.trim();
  if (/short|concise|brief|trim/.test(how)) text = text.split(/(?<=[.!?])\s+/)[0]!;
  if (/long|more detail|expand/.test(how)) text += ' ' + pick(BODIES) + '.';
  if (/question|engag|ask/.test(how) && !text.includes('?')) text += ' ' + pick(QUESTIONS);
  if (/no hashtag|without hashtag|remove hashtag/.test(how)) tags = '';
  else if (/hashtag/.test(how) && style.hashtags.length) tags = [...new Set([...tags.split(/\s+/).filter(Boolean), ...style.hashtags])].slice(0, 6).join(' ');
  if (/no emoji|without emoji/.test(how)) text = text.replace(/\p{Extended_Pictographic}/gu, '').replace(/\s+$/, '');
  else if (/emoji/.test(how)) text += ' ' + (style.emoji[0] ?? pick(['✨', '🌿', '☀️', '💫']));
  if (/lower ?case|casual/.test(how)) text = text.toLowerCase();
  if (/excit|energetic|enthusias|playful/.test(how)) text = text.replace(/\.(\s|$)/g, '!$1');
  if (/calm|professional|formal/.test(how)) text = text.replace(/!+/g, '.').replace(/\p{Extended_Pictographic}/gu, '').trim();
  return { text, tags };
}

function refine(previous: string, instructions: string, style: VoiceStyle, pick: <T>(items: readonly T[]) => T): string {
  const how = instructions.toLowerCase();
  const [body, ...rest] = previous.split(/\n\n(?=#)/);
  const adjusted = applyInstructions(body!, rest.join(' '), instructions, style, pick);
  const tags = adjusted.tags;
  let text = adjusted.text;
  if (text.trim() === body!.trim() && !/hashtag/.test(how)) {
    // Nothing we understood: at least give a fresh take in the same voice.
    text = `${pick(BODIES)}. ${text}`;
  }
  return clipText(tags ? `${text}\n\n${tags}` : text, MAX_CAPTION_LENGTH);
}
