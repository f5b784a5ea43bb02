/**
 * A content item from the team's own media (issue 20): `POST /api/v1/content`
 * with an image already uploaded (`mediaId`, JSON) or uploaded with the
 * request (multipart `file` with text fields profileId, caption, prompt).
 * The item belongs to the profile and its influencer, stands alone (no
 * batch: a batch is one generation job and its event numbering), and waits
 * in pending_review like a generated one, so it is reviewed and published
 * the same way. Nothing is generated or billed.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { putBlob, sniffMedia } from '../../infra/blobs.js';
import { newId } from '../../infra/ids.js';
import type { Uploads } from '../../infra/uploads.js';
import { parseInput } from '../../validation.js';
import { CreateContentInput } from './inputs.js';
import { findProfile, itemView, type ItemWithVideos } from './lookups.js';

export async function createContentItem(ctx: ServiceContext, read: () => Promise<Uploads>): Promise<ItemWithVideos> {
  requireScope(ctx, 'content:write');
  const body = await read();
  const input = parseInput(CreateContentInput, body.json !== undefined ? body.json : body.fields);
  const file = body.files.find((f) => f.field === 'file') ?? body.files[0];
  if (body.files.length > 1) throw new ValidationError('send one image (field file)', 'file');
  if (file && input.mediaId) throw new ValidationError('give mediaId or upload a file, not both', 'mediaId');
  if (!file && !input.mediaId) throw new ValidationError('give mediaId (an image of your media) or upload one as file', 'mediaId');
  const teamId = ctx.actor.teamId;
  const profile = await findProfile(ctx, input.profileId);
  let mediaId = input.mediaId ?? null;
  if (mediaId) {
    const blob = await ctx.deps.prisma.blob.findFirst({ where: { id: mediaId, teamId }, select: { kind: true } });
    if (!blob) throw new NotFoundError('No such media', 'media_not_found');
    if (blob.kind !== 'image') throw new ValidationError(`mediaId names ${blob.kind === 'audio' ? 'an' : 'a'} ${blob.kind}; a content item shows an image`, 'mediaId');
  }
  const sniffed = file ? await sniffMedia(file.bytes, ['image'], file.declaredType, 'file') : null;
  const id = newId('ci_');
  await ctx.deps.prisma.$transaction(async (tx) => {
    if (file && sniffed) {
      const blob = await putBlob(tx, { teamId, bytes: file.bytes, kind: 'image', contentType: sniffed.contentType, filename: file.filename, metadata: { source: 'upload', contentItemId: id } });
      mediaId = blob.id;
    }
    await tx.contentItem.create({
      data: {
        id,
        teamId,
        profileId: profile.id,
        influencerId: profile.influencerId,
        status: 'pending_review',
        prompt: input.prompt ?? null,
        caption: input.caption ?? null,
        imageBlobId: mediaId,
        metadata: { source: 'own_media', mediaId },
      },
    });
  });
  return itemView(ctx, id);
}
