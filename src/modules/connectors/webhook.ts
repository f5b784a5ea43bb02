/**
 * `webhook`: publishing to a URL of the user's. Each publication is POSTed as
 * `{"type":"post.published","timestamp","data":{idempotencyKey, accountId,
 * handle, caption, format, media:[{url, contentType, size}]}}`, signed the Standard
 * Webhooks way with the account's secret (`credentials.secret`, `whsec_…`;
 * generated at connect when not given, shown once). `webhook-id` is the
 * publication's idempotency key, so the receiver dedupes retries on it.
 * A 2xx answer is success; its JSON `id` (or `externalId`), if any, becomes
 * the post's id, else the key does. Removal POSTs `post.deleted` the same way.
 * Media links are signed and expire (under PUBLIC_BASE_URL); without it the
 * payload carries media metadata only.
 */
import type { Deps } from '../../context.js';
import { OutboundFailed, OutboundRefused, safeFetch } from '../../infra/safe-fetch.js';
import { signWebhook } from '../../infra/webhook-signing.js';
import { PlatformError, unsupported, type ConnectedAccount, type Connector } from './types.js';
import { clipText } from '../../infra/unicode.js';

function target(account: ConnectedAccount): string {
  const url = account.config.url;
  if (typeof url !== 'string') throw new PlatformError('the webhook account has no config.url', { retryable: false, kind: 'config' });
  return url;
}

export function webhookConnector(deps: Deps): Connector {
  async function send(account: ConnectedAccount, id: string, type: string, data: Record<string, unknown>, signal: AbortSignal) {
    const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
    let res;
    try {
      res = await safeFetch(target(account), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'personagraph-publishing', ...signWebhook(account.credentials.secret!, id, new Date(), body) },
        body,
        timeoutMs: deps.config.platforms.timeoutMs,
        maxBytes: 16 * 1024,
        onTooLarge: 'truncate',
        followRedirects: false,
        policy: deps.config.outbound,
        signal,
      });
    } catch (err) {
      if (err instanceof OutboundRefused) throw new PlatformError(`the webhook URL is not allowed: ${err.message}`, { retryable: false, kind: 'config' });
      if (err instanceof OutboundFailed) throw new PlatformError(`the webhook receiver failed: ${err.message}`, { retryable: err.reason !== 'aborted' });
      throw err;
    }
    if (res.status < 200 || res.status >= 300) {
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      throw new PlatformError(`the webhook receiver answered ${res.status}${res.body.length ? `: ${clipText(res.text(), 200)}` : ''}`, { retryable, statusCode: res.status });
    }
    try {
      const parsed = JSON.parse(res.text()) as Record<string, unknown>;
      const given = parsed.id ?? parsed.externalId;
      return { externalId: typeof given === 'string' || typeof given === 'number' ? String(given) : null, url: typeof parsed.url === 'string' ? parsed.url : null };
    } catch {
      return { externalId: null, url: null };
    }
  }

  return {
    platform: 'webhook',
    describe: {
      credentials: ['secret (whsec_…, optional: generated when absent)'],
      config: ['url (http or https)'],
      publishes: 'a signed POST of each post to config.url',
      unpublish: true,
      engagement: false,
      import: false,
    },
    capabilities: {
      formats: ['text', 'image', 'carousel', 'video'],
      maxImages: 20,
      imageTypes: ['image/'],
      videoTypes: ['video/', 'image/gif'],
      maxText: 10_000,
      note: 'a webhook receives text with up to 20 images or one video',
    },
    async followers() {
      return null;
    },
    async verify(account) {
      target(account);
      return { handle: account.handle, externalId: null, displayName: null };
    },
    async publish(account, post, _state, signal) {
      const data = {
        idempotencyKey: post.idempotencyKey,
        accountId: account.id,
        handle: account.handle,
        caption: post.caption,
        format: post.format,
        media: post.media.map((m) => ({ url: m.publicUrl, contentType: m.contentType, size: m.bytes.length })),
      };
      const answer = await send(account, post.idempotencyKey, 'post.published', data, signal);
      return { externalId: answer.externalId ?? post.idempotencyKey, url: answer.url };
    },
    async unpublish(account, externalId, signal) {
      await send(account, `${externalId}:deleted`, 'post.deleted', { externalId, accountId: account.id, handle: account.handle }, signal);
    },
    async engagement() {
      return new Map();
    },
    async importPosts() {
      throw unsupported('webhook', 'importing posts');
    },
  };
}
