/**
 * What a publish sends (issue 20): the post's format and media, chosen from
 * the request and the content item, and each target platform's say on it.
 *
 * - `videoId` (or `format: video`, the item's newest completed video): a video post;
 * - `mediaIds`: the images in order, the item's own or the team's media: one
 *   image, or a carousel when there are several;
 * - neither: the item's image as before, or its text alone when it has none;
 * - `captions`: a platform's own text instead of the item's caption.
 *
 * Every target account's connector declares its `capabilities` (formats, how
 * many images, which content types, how long a text); a post one of them
 * cannot take is refused with a 400 naming the platform and its rule before
 * anything is created or sent.
 */
import type { ServiceContext } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { ContentItem, SocialAccount } from '../../generated/prisma/client.js';
import { connectorFor, type Capabilities, type PostFormat } from '../connectors/service.js';
import type { PublishInput } from './inputs.js';

export interface PlannedMedia {
  id: string;
  contentType: string;
}

export interface PostPlan {
  format: PostFormat;
  /** Blob ids in order: the images, or the video's. */
  media: PlannedMedia[];
  videoId: string | null;
}

const videoNotFound = () => new NotFoundError('No such video of this content item', 'video_not_found');

async function videoMedia(ctx: ServiceContext, item: ContentItem, videoId: string | undefined): Promise<PostPlan> {
  const video = videoId
    ? await ctx.deps.prisma.contentVideo.findFirst({ where: { id: videoId, teamId: ctx.actor.teamId, contentItemId: item.id } })
    : await ctx.deps.prisma.contentVideo.findFirst({ where: { teamId: ctx.actor.teamId, contentItemId: item.id, status: 'completed', blobId: { not: null } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  if (!video) {
    if (videoId) throw videoNotFound();
    throw new ConflictError('content item has no completed video; make one with POST /api/v1/content/:id/video first', 'no_video', 'format');
  }
  if (video.status !== 'completed' || !video.blobId) throw new ConflictError(`video ${video.id} is ${video.status}; publish it once it has completed`, 'video_not_ready', 'videoId');
  const blob = await ctx.deps.prisma.blob.findFirst({ where: { id: video.blobId, teamId: ctx.actor.teamId }, select: { id: true, contentType: true } });
  if (!blob) throw new ConflictError(`video ${video.id} has lost its file; render it again`, 'video_not_ready', 'videoId');
  return { format: 'video', media: [blob], videoId: video.id };
}

async function imageMedia(ctx: ServiceContext, ids: string[]): Promise<PlannedMedia[]> {
  const blobs = await ctx.deps.prisma.blob.findMany({ where: { id: { in: ids }, teamId: ctx.actor.teamId }, select: { id: true, kind: true, contentType: true } });
  const byId = new Map(blobs.map((b) => [b.id, b]));
  return ids.map((id, i) => {
    const b = byId.get(id);
    if (!b) throw new NotFoundError(`No media ${id} (mediaIds[${i}])`, 'media_not_found');
    if (b.kind !== 'image') throw new ValidationError(`mediaIds[${i}] is ${b.kind === 'audio' ? 'an audio file' : `a ${b.kind}`}; mediaIds are images (publish a video with videoId)`, `mediaIds[${i}]`, 'unsupported_media');
    return { id: b.id, contentType: b.contentType };
  });
}

/** The post the request asks for (400/404/409 for what cannot be made). */
export async function planPost(ctx: ServiceContext, item: ContentItem, input: PublishInput): Promise<PostPlan> {
  const format = input.format as PostFormat | undefined;
  if (input.videoId && input.mediaIds) throw new ValidationError('give videoId (a video post) or mediaIds (images), not both', 'videoId');
  if (input.videoId || format === 'video') {
    if (format && format !== 'video') throw new ValidationError(`videoId makes a video post, not ${format}`, 'format');
    if (input.mediaIds) throw new ValidationError('a video post takes no mediaIds', 'mediaIds');
    return videoMedia(ctx, item, input.videoId);
  }
  if (format === 'text') {
    if (input.mediaIds) throw new ValidationError('a text post takes no mediaIds', 'mediaIds');
    return { format: 'text', media: [], videoId: null };
  }
  if (input.mediaIds) {
    const media = await imageMedia(ctx, input.mediaIds);
    const made: PostFormat = media.length > 1 ? 'carousel' : 'image';
    if (format && format !== made) throw new ValidationError(format === 'carousel' ? 'a carousel needs at least 2 images in mediaIds' : `${media.length} images make a carousel, not one image (format ${format})`, 'format');
    return { format: made, media, videoId: null };
  }
  if (format === 'carousel') throw new ValidationError('a carousel needs its images: give mediaIds (2 or more)', 'mediaIds');
  if (!item.imageBlobId) {
    if (format === 'image') throw new ConflictError('content item has no image; give mediaIds or publish its text (format text)', 'nothing_to_publish', 'format');
    return { format: 'text', media: [], videoId: null };
  }
  return { format: 'image', media: await imageMedia(ctx, [item.imageBlobId]), videoId: null };
}

const accepts = (types: readonly string[], contentType: string) => types.some((t) => (t.endsWith('/') ? contentType.startsWith(t) : contentType === t));
const length = (s: string) => [...s].length;

/** The text this account's post carries: its platform's caption, else the item's. */
export function textFor(input: PublishInput, item: ContentItem, platform: string): { text: string; override: string | null } {
  const override = (input.captions as Record<string, string> | undefined)?.[platform];
  return { text: override ?? item.caption ?? '', override: override ?? null };
}

/** 400 when `caps` (one platform's) does not take the post. */
export function checkFits(platform: string, caps: Capabilities, plan: PostPlan, text: string, override: boolean): void {
  const no = (what: string, param: string, code: string) => new ValidationError(`${platform} does not take ${what}: ${caps.note}`, param, code);
  if (!caps.formats.includes(plan.format)) throw no(plan.format === 'text' ? 'text-only posts' : `${plan.format} posts`, 'format', 'unsupported_format');
  if (plan.format === 'carousel' && plan.media.length > caps.maxImages) throw no(`${plan.media.length} images in one post (at most ${caps.maxImages})`, 'mediaIds', 'too_many_media');
  for (const m of plan.media) {
    const types = plan.format === 'video' ? caps.videoTypes : caps.imageTypes;
    if (!accepts(types, m.contentType)) throw no(`${m.contentType} ${plan.format === 'video' ? 'video' : 'images'}`, plan.format === 'video' ? 'videoId' : 'mediaIds', 'unsupported_media');
  }
  const n = length(text);
  const param = override ? `captions.${platform}` : 'captions';
  if (n > caps.maxText) throw new ValidationError(`the text for ${platform} is ${n} characters; ${platform} takes at most ${caps.maxText}: give a shorter captions.${platform}`, param, 'caption_too_long');
  if (plan.format === 'text' && !text.trim()) throw new ConflictError(`content item has neither caption nor image: a text post to ${platform} needs text (give captions.${platform})`, 'nothing_to_publish', param);
}

/** Checks the plan against every target account: the first refusal is the answer. */
export function checkAccounts(accounts: SocialAccount[], ctx: ServiceContext, plan: PostPlan, input: PublishInput, item: ContentItem): Map<string, string | null> {
  const overrides = new Map<string, string | null>();
  for (const a of accounts) {
    const { text, override } = textFor(input, item, a.platform);
    checkFits(a.platform, connectorFor(ctx.deps, a.platform).capabilities, plan, text, override !== null);
    overrides.set(a.id, override);
  }
  return overrides;
}
