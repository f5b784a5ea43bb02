/**
 * A profile's voice, read from its corpus (imported posts, written samples,
 * approved captions): the habits a caption in that voice should keep. Used
 * by the embedded caption writer and shown by GET …/voice-stats.
 */
export interface VoiceStyle {
  samples: number;
  /** Most used hashtags, most frequent first (with "#"). */
  hashtags: string[];
  /** Most used emoji, most frequent first. */
  emoji: string[];
  /** Recurring two-word phrases (lower case), most frequent first. */
  phrases: string[];
  /** Average words per sample. */
  averageWords: number;
  /** Share of samples written all in lower case (0–1). */
  lowercaseShare: number;
  /** Share of samples with an exclamation mark (0–1). */
  exclamationShare: number;
  /** Share of samples that ask a question (0–1). */
  questionShare: number;
}

const STOP = new Set(
  'a an the and or but of to in on at for with is are was were be been it its this that these those i you we they me my our your their so just very really too not no yes do does did have has had from by as if then than up out about into over after before'.split(
    ' ',
  ),
);

function top(counts: Map<string, number>, n: number, min = 1): string[] {
  return [...counts.entries()]
    .filter(([, c]) => c >= min)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export function analyzeVoice(texts: string[]): VoiceStyle {
  const tags = new Map<string, number>();
  const emoji = new Map<string, number>();
  const pairs = new Map<string, number>();
  let words = 0;
  let lower = 0;
  let excl = 0;
  let question = 0;
  for (const text of texts) {
    for (const m of text.matchAll(/#[\p{L}\p{N}_]+/gu)) bump(tags, m[0].toLowerCase());
    for (const m of text.matchAll(/\p{Extended_Pictographic}/gu)) bump(emoji, m[0]);
    const plain = text.replace(/#[\p{L}\p{N}_]+/gu, ' ').replace(/https?:\/\/\S+/g, ' ');
    const tokens = plain.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
    words += tokens.length;
    for (let i = 0; i + 1 < tokens.length; i++) {
      if (STOP.has(tokens[i]!) && STOP.has(tokens[i + 1]!)) continue;
      bump(pairs, `${tokens[i]} ${tokens[i + 1]}`);
    }
    if (/\p{L}/u.test(plain) && plain === plain.toLowerCase()) lower++;
    if (text.includes('!')) excl++;
    if (text.includes('?')) question++;
  }
  const n = texts.length || 1;
  return {
    samples: texts.length,
    hashtags: top(tags, 5),
    emoji: top(emoji, 3),
    phrases: top(pairs, 5, 2),
    averageWords: texts.length ? Math.round(words / texts.length) : 0,
    lowercaseShare: texts.length ? lower / n : 0,
    exclamationShare: texts.length ? excl / n : 0,
    questionShare: texts.length ? question / n : 0,
  };
}
