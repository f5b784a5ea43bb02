/**
 * Bytes in GraphQL arguments: what REST takes as a raw body (a workspace
 * file, a SKILL.md, an audio sample) a mutation takes as text or base64, and
 * hands the service the same reader a raw body gives (413 past the limit).
 */
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import { builder } from './builder.js';

export const ContentEncoding = builder.enumType('ContentEncoding', {
  description: 'How `content` spells the bytes: UTF8 text as is, or BASE64 (standard or URL-safe; a data: URL prefix is allowed).',
  values: ['UTF8', 'BASE64'] as const,
});

/** The bytes `content` spells in `encoding`; a bad base64 string is a ValidationError on `param`. */
export function decodeContent(content: string, encoding: 'UTF8' | 'BASE64' | null | undefined, param = 'content'): Buffer {
  if (encoding !== 'BASE64') return Buffer.from(content, 'utf8');
  const b64 = content.replace(/^data:[^;,]+;base64,/, '').replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw new ValidationError(`${param} must be base64-encoded`, param, 'invalid_base64');
  return Buffer.from(b64, 'base64');
}

/** A raw-body reader over bytes already in hand: 413 when they pass the service's limit, as an upload would. */
export const readerOf =
  (bytes: Buffer) =>
  async (limit: number): Promise<Buffer> => {
    if (bytes.length > limit) throw new PayloadTooLargeError(limit);
    return bytes;
  };
