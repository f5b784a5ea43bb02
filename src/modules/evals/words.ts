/**
 * Words for the embedded (offline) simulated user and judge: content words,
 * stems, numbers spelled out, and which of the agent's words merely repeat
 * the user's (runs of three or more content words the user wrote in that
 * order).
 */

export const STOP = new Set(
  'the a an and or but if then than that this these those with without from into onto about above below over under for to of in on at by as is are was were be been being it its it\'s their there they them he she his her you your yours i me my we our us do does did done have has had can could should would will shall must may might not no yes so such very just also only each any all some more most other which what when where who whom why how agent assistant bot user customer mentions mention mentioned says say said explains explain explained provides provide provided asks ask asked responds respond reply replies confirm confirms confirmed offers offer offered correctly clearly properly successfully answer answers answered gives give given tells tell told conversation message messages response responses should shall talks talk discusses states stated describes lists shares informs includes ensures acknowledges helps help them their user\'s customer\'s i\'m i\'ll i\'ve we\'ll we\'re you\'re let let\'s'.split(
    ' ',
  ),
);

const UNITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };

/** Lower-cases, straightens apostrophes and writes small spelled-out numbers as digits ("twenty four" → "24"). */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-]+(one|two|three|four|five|six|seven|eight|nine))?\b/g, (_m, t: string, u?: string) => String(TENS[t]! + (u ? UNITS.indexOf(u) : 0)))
    .replace(new RegExp(`\\b(${UNITS.join('|')})\\b`, 'g'), (w) => String(UNITS.indexOf(w)));
}

/** Every word of a text, normalised, in order (with repeats). */
export function words(text: string | null | undefined): string[] {
  return normalise(text ?? '')
    .replace(/[^\p{L}\p{N}\s'.-]/gu, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^['.-]+|['.-]+$/g, ''))
    .filter(Boolean);
}

const isContent = (w: string) => /\d/.test(w) || (w.length > 2 && !STOP.has(w));

/** The content words of a text, lower-cased, in order, without repeats. */
export function keywords(text: string | null | undefined): string[] {
  return [...new Set(words(text).filter(isContent))];
}

/** A word's stem, so "refunds" matches "refund" and "shipping" matches "ship". */
export function stem(word: string): string {
  if (/\d/.test(word)) return word;
  return word.replace(/(?:ing|ed|es|s)$/u, '').replace(/(.)\1$/u, '$1') || word;
}

export function mentions(text: string, word: string): boolean {
  const s = stem(word);
  return keywords(text).some((w) => stem(w) === s);
}

/** The stems of a text's content words, in order, with repeats. */
export const stemSequence = (text: string): string[] => words(text).filter(isContent).map(stem);

/** All runs of `n` consecutive items, joined. */
export function ngrams(seq: string[], n: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= seq.length; i++) out.add(seq.slice(i, i + n).join(' '));
  return out;
}

export const ECHO_RUN = 3;

/**
 * The agent's own stems: its content-word stems minus those inside a run of
 * ECHO_RUN or more that the user wrote in the same order (an echo or a quote).
 */
export function ownStems(agentText: string, userText: string): { own: Set<string>; echoed: number; total: number } {
  const seq = stemSequence(agentText);
  const users = ngrams(stemSequence(userText), ECHO_RUN);
  const echoed = new Array<boolean>(seq.length).fill(false);
  for (let i = 0; i + ECHO_RUN <= seq.length; i++) {
    if (users.has(seq.slice(i, i + ECHO_RUN).join(' '))) for (let j = i; j < i + ECHO_RUN; j++) echoed[j] = true;
  }
  return { own: new Set(seq.filter((_, i) => !echoed[i])), echoed: echoed.filter(Boolean).length, total: seq.length };
}

/** Splits an identifier such as `issue_refund` or `createBooking` into stems. */
export const identifierStems = (name: string): string[] =>
  name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => stem(w.toLowerCase()));
