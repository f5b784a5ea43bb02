/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), with the
 * official `standardwebhooks` library: `webhook-id`, `webhook-timestamp`
 * (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body" under the base64-decoded secret>`. Secrets are
 * `whsec_` + base64 of 32 random bytes. Receivers verify with any Standard
 * Webhooks library (`new Webhook(secret).verify(body, headers)`), which also
 * refuses timestamps more than 5 minutes off, and dedupe on `webhook-id`.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Whether `secret` is a usable `whsec_…` secret (base64 of at least 24 bytes). */
export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith('whsec_')) return false;
  const b64 = secret.slice('whsec_'.length);
  return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && Buffer.from(b64, 'base64').length >= 24;
}

/**
 * The three headers for one delivery of `body` (the exact bytes sent).
 * `timestamp` is a Date or unix seconds; sign each attempt with its own time,
 * keeping the id, so a retry hours later still passes the receiver's check.
 */
export function signWebhook(secret: string, id: string, timestamp: Date | number, body: string | Buffer): WebhookHeaders {
  const at = typeof timestamp === 'number' ? new Date(timestamp * 1000) : timestamp;
  const signature = new Webhook(secret).sign(id, at, typeof body === 'string' ? body : body.toString('utf8'));
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}
