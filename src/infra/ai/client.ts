/**
 * The one way this server builds an openai SDK client: its `fetch` is the
 * outbound guard's (safe-fetch.ts `guardedFetch`), so every request to a
 * model server resolves the host when it connects, refuses private, loopback,
 * link-local and metadata addresses there (DNS rebinding included), and
 * checks each redirect hop the same way.
 *
 * Which addresses a model server may have:
 * - `OPENAI_BASE_URL` is the operator's own setting and is trusted: a client
 *   for exactly that base URL may reach its origin on a private address (a
 *   local model server), never a metadata address;
 * - any other base URL, in particular one a tenant stores
 *   (`llmSettings.baseUrl` of a project or the workspace), gets the policy of
 *   OUTBOUND_ALLOW_PRIVATE_NETWORKS and OUTBOUND_ALLOWED_HOSTS, like every
 *   other URL a tenant supplies (another path or port on the operator's
 *   server is not trusted): to let tenants use a local model server the
 *   operator lists it in OUTBOUND_ALLOWED_HOSTS.
 * The same policy is checked when llmSettings are saved (`checkLlmBaseUrl`).
 */
import OpenAI from 'openai';
import { ValidationError } from '../../errors.js';
import { checkOutboundUrl, guardedFetch, OutboundRefused, trustOrigins, type OutboundPolicy } from '../safe-fetch.js';

/** What the AI layer needs of the config to decide where a model server may be. */
export interface LlmOutboundConfig {
  outbound: OutboundPolicy;
  openai: { baseURL: string | null };
}

const sameBase = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/** The policy for a client of `baseURL`: the outbound policy, trusting the origin only for the operator's own OPENAI_BASE_URL. */
export function llmPolicy(config: LlmOutboundConfig, baseURL: string | null): OutboundPolicy {
  const operator = config.openai.baseURL;
  return operator && baseURL && sameBase(baseURL, operator) ? trustOrigins(config.outbound, [operator]) : config.outbound;
}

const fetches = new WeakMap<OutboundPolicy, typeof fetch>();

/** An openai client whose every request goes through the outbound guard. */
export function openAiClient(
  config: LlmOutboundConfig,
  opts: { apiKey: string; baseURL: string | null; maxRetries: number; timeout: number },
): OpenAI {
  const policy = llmPolicy(config, opts.baseURL);
  let fetchFn = fetches.get(policy);
  // One fetch per policy, kept: its connections to model servers are reused from run to run (keepAlive).
  if (!fetchFn) fetches.set(policy, (fetchFn = guardedFetch({ policy, keepAlive: true })));
  return new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL ?? undefined, maxRetries: opts.maxRetries, timeout: opts.timeout, fetch: fetchFn });
}

/**
 * Save-time check of a tenant's `llmSettings.baseUrl`: scheme, credentials,
 * metadata names and literal addresses against the same policy the client
 * uses (names are checked again at every connection). A refusal is a 400
 * naming the field.
 */
export function checkLlmBaseUrl(config: LlmOutboundConfig, baseUrl: string, field = 'llmSettings.baseUrl'): string {
  try {
    checkOutboundUrl(baseUrl, llmPolicy(config, baseUrl));
    return baseUrl;
  } catch (e) {
    if (e instanceof OutboundRefused) throw new ValidationError(`${field} ${e.message.replace(/^url /, '')}`, field, 'invalid_base_url');
    throw e;
  }
}

/** The guard's refusal behind an SDK connection error, if that is what it was. */
export function outboundRefusal(err: unknown): OutboundRefused | null {
  if (err instanceof OutboundRefused) return err;
  if (err instanceof OpenAI.APIConnectionError && err.cause instanceof OutboundRefused) return err.cause;
  return null;
}
