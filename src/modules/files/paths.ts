/**
 * Workspace paths: one normal form, and a refusal (400) for anything that
 * could step outside the workspace or hide what it names: `..` segments,
 * percent-encoded characters left after decoding (double encoding), absolute
 * paths, drive letters, backslashes, NUL and control characters.
 */
import { ValidationError } from '../../errors.js';

export const MAX_PATH_LENGTH = 1024;
export const MAX_SEGMENTS = 32;

function bad(reason: string): never {
  throw new ValidationError(`invalid file path: ${reason}`, 'path', 'invalid_path');
}

/** `raw` is the already percent-decoded wildcard of the route. */
export function normalizePath(raw: string): string {
  if (raw.length === 0) bad('it is empty');
  if (raw.length > MAX_PATH_LENGTH) bad(`it is longer than ${MAX_PATH_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) bad('it contains NUL or control characters');
  if (raw.includes('\\')) bad('it contains a backslash');
  if (/%[0-9a-f]{2}/i.test(raw)) bad('it contains percent-encoded characters after decoding');
  if (raw.startsWith('/') || raw.startsWith('~')) bad('it is absolute');
  if (/^[A-Za-z]:/.test(raw)) bad('it names a drive');
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) bad('it contains ".."');
  if (segments.length === 0) bad('it names no file');
  if (raw.endsWith('/')) bad('it names a directory');
  if (segments.length > MAX_SEGMENTS) bad(`it has more than ${MAX_SEGMENTS} segments`);
  if (segments.some((s) => s.length > 255)) bad('a segment is longer than 255 characters');
  return segments.join('/');
}
