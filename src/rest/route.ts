/** The shape of one REST route: (method, path) → parse input → service call → shape body. */
import type { ServiceContext } from '../context.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRequest {
  ctx: ServiceContext;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Request headers, lower-cased names (node's IncomingHttpHeaders). */
  headers: import('node:http').IncomingHttpHeaders;
}

export interface RestResult {
  status: number;
  /** Serialised as JSON unless `raw` is set. */
  body?: unknown;
  raw?: { bytes: Buffer; contentType: string };
  headers?: Record<string, string>;
}

export interface Route {
  method: Method;
  path: string;
  /** One line for docs and the route listing. */
  summary: string;
  handler(req: RestRequest): Promise<RestResult>;
}

export const ok = (body: unknown, status = 200): RestResult => ({ status, body });
export const created = (body: unknown): RestResult => ({ status: 201, body });
export const noContent = (): RestResult => ({ status: 204 });
