/**
 * POST /profiles/:id/generate-caption, the billable call: the image is a
 * media URL of the team or an external http(s) URL (fetched through the
 * outbound guard, size-capped, its bytes sniffed), the caption is written by
 * captions.ts in the profile's voice, and its cost recorded.
 */
import { createHash } from 'node:crypto';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import { blobIdFromUrl, getBlob, sniffMedia, UnsupportedMediaError } from '../../infra/blobs.js';
import { OutboundFailed, OutboundRefused, safeFetch } from '../../infra/safe-fetch.js';
import { parseInput } from '../../validation.js';
import { estimate, recordCosts } from '../catalog/service.js';
import { writeCaption, type Caption } from './captions.js';
import { GenerateCaptionInput } from './inputs.js';
import { recentVoiceTexts } from './library.js';
import { directionsOf, profileWithInfluencer, type Billable } from './lookups.js';

export interface CaptionOutcome extends Caption {
  profileId: string;
}

/** OpenAI's vision models read these; the embedded writer takes the same, for one rule. */
const CAPTION_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const FETCH_TIMEOUT_MS = 15_000;

class ImageUnreachable extends AppError {
  override name = 'ImageUnreachable';
  constructor(message: string) {
    super(message, { code: 'image_unreachable', httpStatus: 422, type: 'invalid_request_error', param: 'imageUrl' });
  }
}

class ImageTooLarge extends AppError {
  override name = 'ImageTooLarge';
  constructor(limit: number) {
    super(`imageUrl: the image is larger than the limit of ${limit} bytes`, { code: 'image_too_large', httpStatus: 413, type: 'invalid_request_error', param: 'imageUrl' });
  }
}

type ImageRef = { blobId: string } | { url: URL };

/** A media URL of the team (absolute or relative) or an external http(s) URL; 400 otherwise (checked before any cost or fetch). */
function imageRef(imageUrl: string): ImageRef {
  const blobId = blobIdFromUrl(imageUrl);
  if (blobId) return { blobId };
  let url: URL;
  try {
    url = new URL(imageUrl);
  } catch {
    throw new ValidationError('imageUrl must be an http(s) URL or a media URL of this team (/api/v1/media/{id})', 'imageUrl', 'invalid_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError('imageUrl must be an http(s) URL or a media URL of this team (/api/v1/media/{id})', 'imageUrl', 'invalid_url');
  }
  return { url };
}

async function loadImage(ctx: ServiceContext, ref: ImageRef): Promise<{ bytes: Buffer; contentType: string }> {
  let bytes: Buffer;
  let declared: string | null = null;
  if ('blobId' in ref) {
    const blob = await getBlob(ctx.deps.prisma, ctx.actor.teamId, ref.blobId);
    if (!blob) throw new NotFoundError('imageUrl: no such media of this team', 'media_not_found');
    bytes = Buffer.from(blob.bytes);
    declared = blob.contentType;
  } else {
    const limit = ctx.deps.config.mediaMaxUploadBytes;
    let res;
    try {
      res = await safeFetch(ref.url.toString(), { timeoutMs: FETCH_TIMEOUT_MS, maxBytes: limit, policy: ctx.deps.config.outbound, headers: { accept: 'image/*' } });
    } catch (e) {
      if (e instanceof OutboundRefused) throw new ValidationError(`imageUrl ${e.message.replace(/^url /, '')}`, 'imageUrl', 'invalid_url');
      if (e instanceof OutboundFailed && e.reason === 'too_large') throw new ImageTooLarge(limit);
      if (e instanceof OutboundFailed) throw new ImageUnreachable(`imageUrl could not be fetched: ${e.message}`);
      throw e;
    }
    if (res.status < 200 || res.status > 299) throw new ImageUnreachable(`imageUrl could not be fetched: ${ref.url.host} answered HTTP ${res.status}`);
    bytes = res.body;
    declared = res.headers['content-type'] ?? null;
  }
  const sniffed = await sniffMedia(bytes, ['image'], declared, 'imageUrl');
  if (!CAPTION_IMAGE_TYPES.includes(sniffed.contentType)) throw new UnsupportedMediaError(`imageUrl must be a PNG, JPEG, GIF or WebP image (its bytes are ${sniffed.contentType})`, 'imageUrl');
  return { bytes, contentType: sniffed.contentType };
}

/**
 * POST /profiles/:id/generate-caption: a caption for the image in the
 * profile's voice. `direction` names one of the profile's content directions
 * by id, or says in words what the post is about. The same image, profile
 * corpus, direction and instructions give the same caption (embedded).
 */
export async function generateCaption(ctx: ServiceContext, id: string, raw: unknown): Promise<Billable<CaptionOutcome>> {
  requireScope(ctx, 'content:generate');
  const input = parseInput(GenerateCaptionInput, raw);
  const ref = imageRef(input.imageUrl);
  const profile = await profileWithInfluencer(ctx, id);
  const provider = ctx.deps.ai.forText().kind;
  const cost = estimate([{ action: 'caption.generate', quantity: 1, provider }]);
  if (input.dryRun) return { dryRun: true, estimate: cost };

  const image = await loadImage(ctx, ref);
  const named = input.direction ? directionsOf(profile).find((d) => d.id === input.direction) : undefined;
  const direction = named ? [named.title, named.prompt].filter(Boolean).join(': ') : (input.direction ?? null);
  const voiceSamples = await recentVoiceTexts(ctx.deps.prisma, profile.id);
  const inf = profile.influencer;
  const seed = createHash('sha256').update(profile.id).update('\0').update(image.bytes).digest('hex');
  const caption = await writeCaption(ctx.deps, {
    profile: { name: profile.name, niche: profile.niche, description: profile.description },
    influencer: inf ? { name: inf.name, handle: inf.handle, bio: inf.bio, niche: inf.niche } : null,
    voiceSamples,
    direction,
    image,
    seed,
    instructions: input.instructions ?? null,
  });
  await recordCosts(ctx.deps.prisma, ctx.actor.teamId, [{ action: 'caption.generate', quantity: 1, provider: caption.provider, model: caption.model }], {
    profileId: profile.id,
    action: 'generate-caption',
  });
  return { dryRun: false, estimate: cost, result: { ...caption, profileId: profile.id } };
}
