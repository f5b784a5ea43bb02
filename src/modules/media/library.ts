/**
 * The team's own media (issue 20): upload an image, video or audio file,
 * list what is stored, delete what nothing uses. Bytes are sniffed
 * (src/infra/blobs.ts): the declared type is only a claim; a file past
 * MEDIA_MAX_UPLOAD_BYTES is 413 before it is buffered (src/rest/uploads.ts).
 *
 * A blob is in use while a content item shows it, a video is it, a profile's
 * media library holds it, an influencer has it as a reference image or voice
 * sample, or a preview made it: deleting it then is 409 `media_in_use`
 * naming the first of those, so nothing that shows media loses it silently.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { putBlob, sniffMedia, type BlobInfo } from '../../infra/blobs.js';
import type { PrismaClient } from '../../infra/db/client.js';
import { keysetPage, listQuery, type Page } from '../../infra/pagination.js';
import type { Uploads } from '../../infra/uploads.js';
import { parseInput } from '../../validation.js';
import { z } from 'zod';

export const MEDIA_KINDS = ['image', 'video', 'audio'] as const;

export const MediaListInput = listQuery('a media file', {
  kind: z.enum(MEDIA_KINDS, { message: `kind must be one of ${MEDIA_KINDS.join(', ')}` }).optional(),
});

export const mediaNotFound = () => new NotFoundError('No such media', 'media_not_found');

const INFO = { id: true, teamId: true, kind: true, contentType: true, size: true, sha256: true, filename: true, metadata: true, createdAt: true } as const;

/** The media library is content's: content:read lists it, content:write uploads and deletes (a single file is still read with either domain's read scope, GET /api/v1/media/:id). */
const requireMediaWrite = (ctx: ServiceContext) => requireScope(ctx, 'content:write');
const requireMediaRead = (ctx: ServiceContext) => requireScope(ctx, 'content:read');

/** POST /api/v1/media: exactly one file (multipart field `file`, or a raw image/video/audio body). */
export async function uploadMedia(ctx: ServiceContext, read: () => Promise<Uploads>): Promise<BlobInfo> {
  requireMediaWrite(ctx);
  const body = await read();
  if (body.json !== undefined) throw new ValidationError('send the file as multipart/form-data (field file) or as a raw image/video/audio body', 'file');
  if (body.files.length !== 1) throw new ValidationError(`send exactly one file (got ${body.files.length})`, 'file');
  const f = body.files[0]!;
  const sniffed = await sniffMedia(f.bytes, MEDIA_KINDS, f.declaredType, 'file');
  return putBlob(ctx.deps.prisma, {
    teamId: ctx.actor.teamId,
    bytes: f.bytes,
    kind: sniffed.kind,
    contentType: sniffed.contentType,
    filename: f.filename,
    metadata: { source: 'upload' },
  });
}

/** GET /api/v1/media: the team's media, newest first, optionally of one kind. */
export async function listMedia(ctx: ServiceContext, raw: Record<string, unknown>): Promise<Page<BlobInfo>> {
  requireMediaRead(ctx);
  const input = parseInput(MediaListInput, raw);
  const where: Prisma.BlobWhereInput = { teamId: ctx.actor.teamId, ...(input.kind ? { kind: input.kind } : {}) };
  return keysetPage(input, 'a media file', {
    anchor: (id) => ctx.deps.prisma.blob.findFirst({ where: { AND: [where, { id }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.blob.findMany({ where, select: INFO, ...page }),
  });
}

/** For the GraphQL connection (the selection never includes the bytes). */
export async function findMediaFiles(ctx: ServiceContext, kind: string | null, query: Prisma.BlobFindManyArgs) {
  requireMediaRead(ctx);
  const input = parseInput(MediaListInput, kind ? { kind } : {});
  return ctx.deps.prisma.blob.findMany({ ...query, where: { teamId: ctx.actor.teamId, ...(input.kind ? { kind: input.kind } : {}) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

type Db = Pick<PrismaClient, 'blob' | 'contentItem' | 'contentVideo' | 'mediaItem' | 'voiceSample' | 'influencer' | 'preview'>;

/** What uses a blob (the first user found), or null. */
export async function blobUse(db: Db, teamId: string, id: string): Promise<string | null> {
  const checks: [string, () => Promise<{ id: string } | null>][] = [
    ['content item', () => db.contentItem.findFirst({ where: { teamId, imageBlobId: id }, select: { id: true } })],
    ['video', () => db.contentVideo.findFirst({ where: { teamId, blobId: id }, select: { id: true } })],
    ['media library entry', () => db.mediaItem.findFirst({ where: { teamId, blobId: id }, select: { id: true } })],
    ['voice sample', () => db.voiceSample.findFirst({ where: { teamId, blobId: id }, select: { id: true } })],
    ['influencer', () => db.influencer.findFirst({ where: { teamId, references: { array_contains: [{ blobId: id }] } }, select: { id: true } })],
    ['preview', () => db.preview.findFirst({ where: { teamId, images: { array_contains: [id] } }, select: { id: true } })],
  ];
  for (const [what, find] of checks) {
    const row = await find();
    if (row) return `${what} ${row.id}`;
  }
  return null;
}

/** Deletes a blob nothing uses any more (in the caller's transaction); keeps it otherwise. */
export async function dropBlobIfUnused(db: Db, teamId: string, id: string): Promise<boolean> {
  if (await blobUse(db, teamId, id)) return false;
  const { count } = await db.blob.deleteMany({ where: { id, teamId } });
  return count > 0;
}

/** DELETE /api/v1/media/:id: 409 `media_in_use` while anything shows it. */
export async function deleteMedia(ctx: ServiceContext, id: string): Promise<BlobInfo> {
  requireMediaWrite(ctx);
  const teamId = ctx.actor.teamId;
  return ctx.deps.prisma.$transaction(async (tx) => {
    const blob = await tx.blob.findFirst({ where: { id, teamId }, select: INFO });
    if (!blob) throw mediaNotFound();
    const use = await blobUse(tx, teamId, id);
    if (use) throw new ConflictError(`media is in use by ${use}; remove it there first`, 'media_in_use');
    await tx.blob.deleteMany({ where: { id, teamId } });
    return blob;
  });
}
