/**
 * Signed media links: what a social platform fetches when it pulls an image
 * from us (Instagram's `image_url`, TikTok's PULL_FROM_URL, a webhook
 * receiver). `GET /api/v1/media/{id}/public?exp=…&sig=…` needs no key: the
 * HMAC over the id and expiry (SecretBox.mac, a key of its own derived from
 * the server secret) is the permission, and it runs out at `exp`.
 * Links are absolute under PUBLIC_BASE_URL; without it there are none, and
 * platforms that must fetch media say so when publishing.
 */
import type { Deps } from '../../context.js';
import { safeEqual } from '../../infra/crypto.js';
import { AppError, NotFoundError } from '../../errors.js';
import type { Blob } from '../../generated/prisma/client.js';

/** How long a link handed to a platform stays valid: long enough for a slow platform to fetch it once. */
export const PUBLIC_LINK_TTL_S = 24 * 3600;

const refused = (message: string, code: string) => new AppError(message, { code, httpStatus: 403, type: 'authorization_error' });

const payload = (id: string, exp: number) => `media:${id}:${exp}`;

export function publicMediaUrl(deps: Pick<Deps, 'config' | 'secrets'>, blobId: string, now = Date.now()): string | null {
  if (!deps.config.publicBaseUrl) return null;
  const exp = Math.floor(now / 1000) + PUBLIC_LINK_TTL_S;
  return `${deps.config.publicBaseUrl}/api/v1/media/${encodeURIComponent(blobId)}/public?exp=${exp}&sig=${deps.secrets.mac(payload(blobId, exp))}`;
}

export async function getPublicMedia(deps: Deps, id: string, exp: string | null, sig: string | null): Promise<Blob> {
  const at = Number(exp);
  if (!exp || !sig || !Number.isInteger(at)) throw refused('a public media link needs its exp and sig parameters', 'invalid_signature');
  if (!safeEqual(sig, deps.secrets.mac(payload(id, at)))) throw refused('the media link’s signature does not match', 'invalid_signature');
  if (at * 1000 < Date.now()) throw refused('the media link has expired', 'link_expired');
  const blob = await deps.prisma.blob.findUnique({ where: { id } });
  if (!blob) throw new NotFoundError('No such media', 'media_not_found');
  return blob;
}
