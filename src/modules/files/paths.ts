/**
 * Workspace paths: one normal form, and a refusal (400) for anything that
 * could step outside the workspace or hide what it names: `..` segments,
 * encoded separators, percent-encoded characters left after decoding (double
 * encoding), absolute paths, drive letters, backslashes, NUL, control and
 * bidirectional-override characters, directories and empty names.
 *
 * Normal form: `.` segments and duplicate slashes collapsed, Unicode NFC (so
 * "é" typed either way names one file).
 */
import { ValidationError } from '../../errors.js';

export const MAX_PATH_LENGTH = 1024;
export const MAX_SEGMENTS = 32;
const MAX_SEGMENT_LENGTH = 255;

function bad(reason: string): never {
  throw new ValidationError(`invalid file path: ${reason}`, 'path', 'invalid_path');
}

/**
 * The wildcard part of a request path exactly as the client sent it (still
 * percent-encoded), decoded once. An encoded "/" or "\" would make one segment
 * look like two (or hide a traversal), so it is refused rather than decoded.
 */
export function decodeRequestPath(raw: string): string {
  if (/%(2f|5c)/i.test(raw)) bad('it contains an encoded "/" or "\\"');
  try {
    return decodeURIComponent(raw);
  } catch {
    bad('it contains malformed percent-encoding');
  }
}

/** `raw` is a decoded path (from a REST request, a GraphQL argument or an agent's tool call). */
export function normalizePath(raw: string): string {
  if (raw.length === 0) bad('it is empty');
  if (raw.length > MAX_PATH_LENGTH) bad(`it is longer than ${MAX_PATH_LENGTH} characters`);
  if (/\p{Cc}/u.test(raw)) bad('it contains NUL or control characters');
  if (/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(raw)) bad('it contains bidirectional-override characters');
  if (raw.includes('\\')) bad('it contains a backslash');
  if (/%[0-9a-f]{2}/i.test(raw)) bad('it contains percent-encoded characters after decoding');
  if (raw.startsWith('/') || raw.startsWith('~')) bad('it is absolute');
  if (/^[A-Za-z]:/.test(raw)) bad('it names a drive');
  const all = raw.split('/');
  if (all.some((s) => s === '..')) bad('it contains ".."');
  const segments = all.filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) bad('it names no file');
  const last = all[all.length - 1];
  if (last === '' || last === '.') bad('it names a directory');
  if (segments.length > MAX_SEGMENTS) bad(`it has more than ${MAX_SEGMENTS} segments`);
  if (segments.some((s) => s.length > MAX_SEGMENT_LENGTH)) bad(`a segment is longer than ${MAX_SEGMENT_LENGTH} characters`);
  return segments.join('/').normalize('NFC');
}

/** A listing prefix: a path, or a directory ending in "/" (kept); empty means everything. */
export function normalizePrefix(prefix: string | null | undefined): string | null {
  if (!prefix) return null;
  const dir = prefix.endsWith('/');
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed ? normalizePath(trimmed) + (dir ? '/' : '') : null;
}
