/** Request helpers: one header value; the body read up to the configured limit (413 past it) and parsed as JSON (400 when malformed, not UTF-8, too deep, or carrying text that cannot be stored). */
import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import { parseCheckedJson } from './request-text.js';

/** One request header's value (the first, if repeated), or null. */
export function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the connection can be reused
    return Promise.reject(new PayloadTooLargeError(limit));
  }
  // Plain events rather than an async iterator: this runs on every request, and the iterator costs more than the read.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        return reject(new PayloadTooLargeError(limit));
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the request before its body was read'));
    });
  });
}

/** Parses a JSON body; its text is checked on the way (UTF-8, nesting ≤ maxDepth, no NUL or lone surrogates: src/server/request-text.ts). */
export function parseJsonBody(raw: Buffer, contentType: string | undefined, maxDepth: number): unknown {
  if (raw.length === 0) return undefined;
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType) && !/^text\/plain\b/i.test(contentType)) {
    throw new ValidationError('Request body must be JSON (Content-Type: application/json)', null, 'unsupported_content_type');
  }
  return parseCheckedJson(raw, { maxDepth, malformed: () => new ValidationError('Malformed JSON in request body', null, 'malformed_json') });
}
