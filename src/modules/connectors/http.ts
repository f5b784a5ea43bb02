/**
 * One JSON request to a platform's API, through the outbound guard
 * (`guardedFetch`). The base URLs are operator config, not user input, so
 * their exact origins are trusted (they may be private: tests and proxies);
 * a redirect elsewhere is checked by the outbound policy.
 * Failures become PlatformError with the platform's own message:
 * rate limits (429), 5xx, timeouts and unreachable hosts are retryable; other
 * 4xx are not (bad token, refused content).
 */
import type { Config } from '../../config.js';
import { guardedFetch, OutboundRefused, trustOrigins } from '../../infra/safe-fetch.js';
import { PlatformError, type Platform } from './types.js';

const fetches = new WeakMap<Config['outbound'], typeof fetch>();

/** The guarded fetch for the platforms' APIs: the outbound policy plus the configured API origins. */
export function platformFetch(config: Pick<Config, 'outbound' | 'platforms'>): typeof fetch {
  const policy = trustOrigins(config.outbound, [config.platforms.xBaseUrl, config.platforms.tiktokBaseUrl, config.platforms.instagramBaseUrl]);
  let f = fetches.get(policy);
  if (!f) fetches.set(policy, (f = guardedFetch({ policy })));
  return f;
}

export interface PlatformRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as multipart/form-data. */
  form?: FormData;
  /** Sent as is (with its own content type in `headers`). */
  bytes?: Buffer;
  signal: AbortSignal;
  timeoutMs: number;
  /** `platformFetch(config)`. */
  fetch: typeof fetch;
}

export interface PlatformResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** How each platform words an error in its JSON body. */
export type ErrorReader = (body: any) => string | null;

export async function platformRequest(platform: Platform, url: string, req: PlatformRequest, readError: ErrorReader): Promise<PlatformResponse> {
  let res: Response;
  try {
    res = await req.fetch(url, {
      method: req.method ?? 'GET',
      headers: { accept: 'application/json', ...(req.json !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
      body: req.json !== undefined ? JSON.stringify(req.json) : (req.form ?? (req.bytes ? new Uint8Array(req.bytes) : undefined)),
      signal: AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]),
    });
  } catch (err) {
    if (req.signal.aborted) throw err;
    if (err instanceof OutboundRefused) throw new PlatformError(`${platform}: ${err.message}`, { retryable: false, kind: 'config' });
    const timedOut = (err as Error).name === 'TimeoutError';
    throw new PlatformError(timedOut ? `${platform} did not answer within ${req.timeoutMs} ms` : `${platform} could not be reached`, { retryable: true });
  }
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const message = (body && readError(body)) || null;
  if (res.ok && !message) return { status: res.status, body, headers: res.headers };
  const retryable = res.status === 429 || res.status >= 500;
  const said = message ?? `HTTP ${res.status}`;
  throw new PlatformError(`${platform} answered ${res.status}: ${said}`, { retryable, statusCode: res.status });
}
