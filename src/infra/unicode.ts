/**
 * Cutting text without breaking it. `s.slice(0, n)` counts UTF-16 code units,
 * so it can cut an emoji (or any character outside the BMP) in half and leave
 * a lone surrogate, which is not Unicode text: PostgreSQL refuses it, JSON
 * encoders write "\ud83d", clients show garbage. Every place the server
 * shortens user or model text cuts here, only at code-point boundaries.
 */

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** `index`, or one less when a cut there would split a surrogate pair (0 ≤ index ≤ s.length). */
export function codePointBoundary(s: string, index: number): number {
  return index > 0 && index < s.length && isHighSurrogate(s.charCodeAt(index - 1)) ? index - 1 : index;
}

/** The first at most `max` UTF-16 code units of `s`, one fewer when the cut would split a surrogate pair. */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 0 ? '' : s.slice(0, codePointBoundary(s, max));
}

/** The last at most `max` UTF-16 code units of `s`, one fewer when the cut would split a surrogate pair. */
export function clipTextEnd(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 0 ? '' : s.slice(codePointBoundary(s, s.length - max) === s.length - max ? s.length - max : s.length - max + 1);
}

/** `s` when it fits in `max` code units, else cut (at a code-point boundary) and ended with "…", `max` in all. */
export function clipWithEllipsis(s: string, max: number): string {
  return s.length > max ? `${clipText(s, max - 1)}…` : s;
}
