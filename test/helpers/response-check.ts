/**
 * The suite's check that the OpenAPI document cannot drift from what the server answers: every
 * response a test server sends on an /api path (whoever made the request: the `request` helper,
 * a bare fetch, a client under test) is recorded as it is written and validated, in the test
 * process, against the document that server serves (ajv's draft 2020-12 build, as OpenAPI 3.1
 * uses). A documented route's answer must have a documented status and content type, and a JSON
 * body that its schema accepts (success bodies against the route's response schema, errors
 * against its family's error schema); an /api path no route matches (404, 405, a refused path)
 * must answer in its family's error shape. Nothing in the server changes: the recorder wraps
 * the test server's responses from outside (test/helpers/server.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import FindMyWay from 'find-my-way';
import { familyOf } from '../../src/rest/families.js';

type Json = Record<string, any>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** One answer as the server wrote it. */
export interface Recorded {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: string;
}

/** The compiled document: its paths as a router, and a validator per schema (compiled on first use). */
export class DocumentCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: false });
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Json) {
    // Formats are checked by the patterns zod writes beside them; ajv's own need ajv-formats.
    this.ajv.addSchema(doc, 'openapi');
    for (const [openPath, ops] of Object.entries(doc.paths as Record<string, Json>)) {
      const route = openPath.replace(/\{filePath\}$/, '*').replace(/\{(\w+)\}/g, ':$1');
      for (const method of Object.keys(ops)) this.router.on(method.toUpperCase() as Method, route, () => {}, { openPath, method });
    }
  }

  private validator(pointer: string): ValidateFunction {
    let v = this.validators.get(pointer);
    if (!v) {
      v = this.ajv.getSchema(`openapi#${pointer}`);
      if (!v) throw new Error(`response check: no schema at ${pointer} of the OpenAPI document`);
      this.validators.set(pointer, v);
    }
    return v;
  }

  /** What is wrong with this answer, or null. */
  check(r: Recorded): string | null {
    if (!(r.path === '/api' || r.path.startsWith('/api/')) || !METHODS.has(r.method)) return null;
    let found: ReturnType<typeof this.router.find> = null;
    try {
      found = this.router.find(r.method as Method, r.path);
    } catch {
      /* a path the router cannot decode: answered by the server's path refusals */
    }
    const where = `${r.method} ${r.path} → ${r.status}`;
    if (!found) {
      // No route: the router's own refusals (404, 405, a refused path), in the path's family shape.
      const family = familyOf(r.path);
      return this.body(where, r, `/components/schemas/${family === 'evalstudio' || family === 'autonomis' ? 'PlainError' : 'StripeError'}`);
    }
    const { openPath, method } = found.store as { openPath: string; method: string };
    const route = `${method.toUpperCase()} ${openPath}`;
    const op = this.doc.paths[openPath][method];
    const documented = op.responses[String(r.status)];
    if (!documented) return `${where}: status ${r.status} is not documented for ${route} (documented: ${Object.keys(op.responses).join(', ')}); body ${r.body.slice(0, 500)}`;
    const types = Object.keys(documented.content ?? {});
    if (!types.length) return r.body ? `${route} → ${r.status} is documented without a body, but answered ${r.contentType}: ${r.body.slice(0, 500)}` : null;
    if (types.includes('*/*')) return null; // raw bytes of any type
    if (!types.includes(r.contentType)) return `${route} → ${r.status} answered ${r.contentType || 'no content type'}; documented: ${types.join(', ')}`;
    if (r.contentType !== 'application/json') return null;
    return this.body(`${route} → ${r.status}`, r, `/paths/${escape(openPath)}/${method}/responses/${r.status}/content/${escape('application/json')}/schema`);
  }

  private body(where: string, r: Recorded, pointer: string): string | null {
    let body: unknown;
    try {
      body = JSON.parse(r.body);
    } catch {
      return `${where}: the body is not JSON: ${r.body.slice(0, 500)}`;
    }
    const validate = this.validator(pointer);
    if (validate(body)) return null;
    const errors = (validate.errors ?? []).slice(0, 10).map((e) => `  ${e.instancePath || '(body)'} ${e.message}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`);
    return `${where}: the body does not match the OpenAPI document (${pointer}):\n${errors.join('\n')}\nbody: ${r.body.slice(0, 1000)}`;
  }
}

/** A JSON pointer segment, URI-encoded for a fragment (`{` and `}` are not fragment characters). */
function escape(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/** The body as the client reads it: the server compresses by Accept-Encoding (src/server/compression.ts). */
function decoded(bytes: Buffer, encoding: string): string {
  const e = encoding.trim().toLowerCase();
  if (!bytes.length || !e || e === 'identity') return bytes.toString('utf8');
  try {
    return (e === 'br' ? brotliDecompressSync(bytes) : e === 'gzip' || e === 'x-gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    return `(a ${e} body that does not decode: ${(err as Error).message})`;
  }
}

/** One compiled check per document text: the files a worker runs share modules, and the document is the same. */
const checks = new Map<string, DocumentCheck>();

/** The check of one served document (compiled once). */
export function documentCheck(doc: Json): DocumentCheck {
  const text = JSON.stringify(doc);
  let c = checks.get(text);
  if (!c) checks.set(text, (c = new DocumentCheck(doc)));
  return c;
}

export interface ResponseRecorder {
  /** Starts checking against the served document (answers before this are not checked). */
  use(doc: Json): void;
  /** Problems with the answer to the request of this X-Request-Id (forgotten once taken). */
  take(requestId: string | null): string[];
  /** Every problem not taken yet (forgotten once taken). */
  takeAll(): string[];
}

/**
 * Records every answer `server` writes: status, content type and (for JSON) the body, captured
 * in `res.end`, before a byte reaches the client, so a client holding the answer finds it checked.
 * Listens first, so it wraps responses that a handler answers synchronously too.
 */
export function recordResponses(server: Server): ResponseRecorder {
  let check: DocumentCheck | null = null;
  const problems = new Map<string, string[]>();
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!check) return;
    const chunks: Buffer[] = [];
    const isJson = () => /json/.test(String(res.getHeader('content-type') ?? ''));
    const keep = (chunk: unknown) => {
      if (chunk && typeof chunk !== 'function' && isJson()) chunks.push(Buffer.from(chunk as string | Uint8Array));
    };
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk);
      const recorded: Recorded = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: new URL(req.url ?? '/', 'http://x').pathname,
        status: res.statusCode,
        contentType: String(res.getHeader('content-type') ?? '').split(';')[0]!.trim(),
        body: decoded(Buffer.concat(chunks), String(res.getHeader('content-encoding') ?? '')),
      };
      // Never throws into the server (that would cut the client's connection): a check that fails is reported as a problem.
      let problem: string | null;
      try {
        problem = check!.check(recorded);
      } catch (err) {
        problem = `${recorded.method} ${recorded.path} → ${recorded.status}: the response check failed: ${(err as Error).stack ?? String(err)}`;
      }
      if (problem) {
        const id = String(res.getHeader('x-request-id') ?? '');
        problems.set(id, [...(problems.get(id) ?? []), problem]);
      }
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
  });
  return {
    use(doc) {
      check = documentCheck(doc);
    },
    take(requestId) {
      const found = problems.get(requestId ?? '') ?? [];
      problems.delete(requestId ?? '');
      return found;
    },
    takeAll() {
      const all = [...problems.values()].flat();
      problems.clear();
      return all;
    },
  };
}
