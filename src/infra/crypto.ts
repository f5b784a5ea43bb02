/** Key material: API key generation and hashing, secret encryption at rest, masking. */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { clipText, clipTextEnd } from './unicode.js';

export function sha256Hex(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}

/** `pg_live_` + 192 random bits, base62-ish (base64url). */
export function generateApiKey(prefix = 'pg_live_'): string {
  return prefix + randomBytes(24).toString('base64url');
}

/** What a person sees of a key after creation: its first 12 characters. */
export function displayPrefix(key: string): string {
  return key.slice(0, 12);
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** AES-256-GCM with a key derived from the server secret. Output: v1.<iv>.<tag>.<data> base64url. */
export class SecretBox {
  private readonly key: Buffer;
  private readonly macKey: Buffer;
  constructor(secret: string) {
    this.key = createHash('sha256').update(`personagraph:secretbox:${secret}`).digest();
    this.macKey = createHash('sha256').update(`personagraph:links:${secret}`).digest();
  }
  /** An HMAC-SHA256 (base64url) for links the server hands out, e.g. signed media URLs; its own key, never the sealing one. */
  mac(data: string): string {
    return createHmac('sha256', this.macKey).update(data).digest('base64url');
  }
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }
  open(sealed: string): string {
    const [v, iv, tag, data] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('unsupported sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** A provider API key as EvalStudio shows it: `sk-1234567890abcdef` → `sk-1...cdef` (its start is a well-known prefix). */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(secret.length);
  return `${clipText(secret, 4)}...${clipTextEnd(secret, 4)}`;
}

/**
 * A user's secret value, which can be anything: never more than a quarter of
 * it shows. Short values show nothing, medium ones their last 4 characters,
 * key-length ones (32+) their first and last 4.
 */
export function maskSecretValue(secret: string): string {
  if (secret.length < 16) return '*'.repeat(Math.min(secret.length, 8));
  if (secret.length < 32) return `...${clipTextEnd(secret, 4)}`;
  return `${clipText(secret, 4)}...${clipTextEnd(secret, 4)}`;
}
