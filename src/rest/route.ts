/** The shape of one REST route: (method, path) → parse input → service call → shape body. */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ServiceContext } from '../context.js';
import type { Scope } from '../modules/auth/scopes.js';

/**
 * Who may call a route: a scope the key must hold (the service checks it; the
 * routes test proves the two agree), any of several, `any` valid key, or
 * `public` (no key at all). Also what the OpenAPI document lists.
 */
export type RouteScope = Scope | Scope[] | 'any' | 'public';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRequest {
  ctx: ServiceContext;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (undefined for `rawBody` routes and empty bodies). */
  body: unknown;
  /** Request headers, lower-cased names (node's IncomingHttpHeaders). */
  headers: IncomingHttpHeaders;
  /** The path exactly as the client sent it (not decoded, not normalised). */
  rawPath: string;
  /**
   * For `rawBody` routes: reads the body as bytes, answering 413 as soon as it
   * passes `limit` (or Content-Length announces more), before buffering it all.
   */
  readRaw(limit: number): Promise<Buffer>;
}

export interface RestResult {
  status: number;
  /** Serialised as JSON unless `raw` is set. */
  body?: unknown;
  raw?: { bytes: Buffer; contentType: string };
  /** A streamed body (e.g. SSE): called after the status and headers are written; ends the response itself. */
  stream?: (res: ServerResponse) => Promise<void>;
  headers?: Record<string, string>;
}

export interface Route {
  method: Method;
  path: string;
  /** One line for docs and the route listing. */
  summary: string;
  scope: RouteScope;
  /** The handler reads the body itself with `readRaw` (any content type); such routes skip idempotency. */
  rawBody?: boolean;
  /** The JSON body may be an array as well as an object (e.g. create one or many). */
  acceptsArray?: boolean;
  /** Set false where a replay makes no sense (streams). Default: POST/PUT/PATCH honour Idempotency-Key. */
  idempotent?: boolean;
  /** For the OpenAPI document: the JSON body and query parameters the handler parses (zod). */
  body?: z.ZodType;
  query?: z.ZodType;
  /**
   * For the OpenAPI document and the suite's response check: the JSON body a success answers with
   * (zod). Every JSON route declares one; streams, raw bytes and 204s do not.
   */
  response?: z.ZodType;
  /** For the OpenAPI document: success statuses and what they mean (default 200, or 201 for a create). */
  responses?: Record<number, string>;
  /** The response is an event stream (SSE) / raw bytes rather than JSON. */
  stream?: boolean;
  rawResponse?: boolean;
  handler(req: RestRequest): Promise<RestResult>;
}

export const ok = (body: unknown, status = 200): RestResult => ({ status, body });
export const created = (body: unknown): RestResult => ({ status: 201, body });
export const noContent = (): RestResult => ({ status: 204 });
