/**
 * The one place where request text is checked, for every way text comes in:
 * REST bodies (src/server/request.ts), path segments and query values
 * (src/rest/router.ts), multipart fields (src/rest/uploads.ts), GraphQL bodies
 * over HTTP (src/server/graphql-http.ts), websocket messages (src/graphql/ws.ts), and
 * GraphQL variables and string literals (src/graphql/text-guard.ts).
 *
 * Refused with 400, naming the field (`body.name`, `query.cursor`, `path`,
 * `variables.input.name`):
 * - NUL (U+0000): PostgreSQL cannot store it in text or jsonb;
 * - lone UTF-16 surrogates (a JSON `"\ud800"` escape): not Unicode text, and
 *   they would be stored silently replaced;
 * - bytes that are not UTF-8 (RFC 8259 requires UTF-8 JSON) — `invalid_utf8`;
 * - arrays/objects nested deeper than MAX_JSON_DEPTH — `json_too_deep`. The
 *   depth is measured over the raw bytes before JSON.parse runs, so a document
 *   10⁶ levels deep costs one linear scan rather than a parse into 10⁶ nested
 *   objects and a stack overflow in whatever walks it next (JSON.stringify,
 *   zod, Prisma).
 * Nothing is normalised: the documented APIs take text as sent, so text that
 * cannot be stored as sent is refused rather than changed.
 */
import { isUtf8 } from 'node:buffer';
import type { WebSocket } from 'ws';
import { ValidationError } from '../errors.js';

export type TextProblem = 'nul' | 'surrogate';

/** What is wrong with one string, if anything (native checks: no regex over large text). */
export function textProblem(s: string): TextProblem | null {
  if (s.includes('\u0000')) return 'nul';
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) return 'surrogate';
  return null;
}

const WORDS: Record<TextProblem, string> = {
  nul: 'contains a NUL character (U+0000), which is not accepted in text',
  surrogate: 'contains an unpaired UTF-16 surrogate (e.g. a lone \\ud800 escape), which is not valid Unicode text',
};

/** What is wrong, in words that follow "it" or a field name ("contains a NUL character …"). */
export function describeTextProblem(problem: TextProblem): string {
  return WORDS[problem];
}

export function invalidTextError(field: string, problem: TextProblem, what = ''): ValidationError {
  return new ValidationError(`${field}${what} ${WORDS[problem]}`, field, 'invalid_text');
}

export function tooDeepError(field: string, maxDepth: number): ValidationError {
  return new ValidationError(
    `${field} is nested deeper than the limit of ${maxDepth} levels of arrays and objects (MAX_JSON_DEPTH)`,
    field,
    'json_too_deep',
  );
}

/** Throws invalid_text when one string (a path, a query value, a form field) is not storable text. */
export function assertText(value: string, field: string): void {
  const problem = textProblem(value);
  if (problem) throw invalidTextError(field, problem);
}

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of arrays and objects in JSON text, outside strings,
 * stopping as soon as it passes `limit` (so a hostile document costs at most one scan).
 * Not a validator: malformed JSON is left for JSON.parse to refuse.
 */
export function jsonDepthExceeds(raw: Buffer | string, limit: number): boolean {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

const HASH = 0x23;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;

/**
 * The same bound for a GraphQL document, before graphql-js's recursive-descent
 * parser sees it (about 2,000 nested selections overflow its stack): brackets
 * of every kind, outside strings, block strings and comments. Malformed text is
 * left for the parser to word.
 */
export function graphqlDepthExceeds(source: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === QUOTE) {
      if (source.startsWith('"""', i)) {
        let end = source.indexOf('"""', i + 3);
        while (end > 0 && source.charCodeAt(end - 1) === BACKSLASH) end = source.indexOf('"""', end + 3); // \""" is an escaped quote
        if (end < 0) return false;
        i = end + 2;
        continue;
      }
      for (i++; i < source.length; i++) {
        const d = source.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE || d === NEWLINE || d === RETURN) break;
      }
    } else if (c === HASH) {
      while (i < source.length && source.charCodeAt(i) !== NEWLINE && source.charCodeAt(i) !== RETURN) i++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET || c === OPEN_PAREN) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET || c === CLOSE_PAREN) depth--;
  }
  return false;
}

/** Bytes that are to be parsed as JSON: UTF-8, and not nested past the limit. */
export function assertJsonBytes(raw: Buffer, maxDepth: number, field = 'body'): void {
  if (!isUtf8(raw)) throw new ValidationError(`${field} is not valid UTF-8`, field, 'invalid_utf8');
  if (jsonDepthExceeds(raw, maxDepth)) throw tooDeepError(field, maxDepth);
}

const isPlainKey = (k: string) => /^[A-Za-z_$][\w$]*$/.test(k);
const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : isPlainKey(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/**
 * Walks a parsed value (iteratively, depth-bounded) and throws for the first
 * string or object key that is not storable text, or for nesting past
 * `maxDepth` (values that did not come through assertJsonBytes: websocket
 * payloads, GraphQL GET variables).
 */
export function assertCleanValue(value: unknown, root: string, maxDepth: number): void {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) throw invalidTextError(path, problem);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) throw tooDeepError(root, maxDepth);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], join(path, i), depth + 1]);
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i]!;
      const problem = textProblem(k);
      if (problem) throw invalidTextError(path, problem, ' has a key that');
      stack.push([child, join(path, k), depth + 1]);
    }
  }
}

/** JSON bytes → value, with every check above: the one parse for REST and upload bodies. */
export function parseCheckedJson(raw: Buffer, opts: { maxDepth: number; malformed: () => Error; field?: string }): unknown {
  const field = opts.field ?? 'body';
  assertJsonBytes(raw, opts.maxDepth, field);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw opts.malformed();
  }
  assertCleanValue(value, field, opts.maxDepth);
  return value;
}

/**
 * Websocket messages: graphql-ws parses each one with JSON.parse before any
 * plugin sees it, so a message nested past the limit (or not UTF-8) closes the
 * socket with 4400, the code graphql-ws itself uses for a message it cannot accept.
 */
export function guardJsonMessages(socket: WebSocket, maxDepth: number): void {
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'message') {
      const data = args[0];
      const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : data instanceof ArrayBuffer ? Buffer.from(data) : null;
      if (raw && (!isUtf8(raw) || jsonDepthExceeds(raw, maxDepth))) {
        socket.close(4400, isUtf8(raw) ? `JSON nested deeper than ${maxDepth} levels (MAX_JSON_DEPTH)` : 'message is not valid UTF-8');
        return false;
      }
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
}
