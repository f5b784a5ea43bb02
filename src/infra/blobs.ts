/**
 * The blob store for media: images, audio and video, kept in the database
 * (`Blob`), served at `GET /api/v1/media/{id}` (src/modules/media).
 *
 * The content type is sniffed from the bytes (file-type), never taken from
 * the client: an upload whose bytes are not of an allowed kind is refused
 * with 415, and one whose declared type names another kind than its bytes
 * (say `image/png` on an MP3) is refused as mislabelled. Size limits are the
 * caller's (413 before buffering, via readRaw / multipart limits).
 */
import { createHash, randomUUID } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import type { Blob, Prisma } from '../generated/prisma/client.js';
import { AppError } from '../errors.js';
import type { PrismaClient } from './db/client.js';

export type MediaKind = 'image' | 'audio' | 'video';

export class UnsupportedMediaError extends AppError {
  override name = 'UnsupportedMediaError';
  constructor(message: string, param: string | null = null) {
    super(message, { code: 'unsupported_media_type', httpStatus: 415, type: 'invalid_request_error', param });
  }
}

export interface SniffedMedia {
  kind: MediaKind;
  contentType: string;
  ext: string;
}

function kindOf(mime: string): MediaKind | null {
  const top = mime.split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : null;
}

/**
 * What the bytes are. `allowed` lists the acceptable kinds; `declared` is the
 * client's Content-Type (only checked for agreement, never trusted).
 */
export async function sniffMedia(bytes: Uint8Array, allowed: readonly MediaKind[], declared?: string | null, param: string | null = null): Promise<SniffedMedia> {
  const want = allowed.join(' or ');
  if (bytes.length === 0) throw new UnsupportedMediaError(`the upload is empty; expected ${want}`, param);
  const found = await fileTypeFromBuffer(bytes);
  // WebM is a Matroska container: audio-only WebM sniffs as video; accept it as audio where audio is wanted.
  let kind = found ? kindOf(found.mime) : null;
  if (found && kind === 'video' && !allowed.includes('video') && allowed.includes('audio') && (found.ext === 'webm' || found.ext === 'mp4')) kind = 'audio';
  if (!found || !kind || !allowed.includes(kind)) {
    throw new UnsupportedMediaError(`the upload is not ${want} (its bytes are ${found ? found.mime : 'of an unknown type'})`, param);
  }
  const declaredKind = declared ? kindOf(declared.split(';')[0]!.trim().toLowerCase()) : null;
  if (declaredKind && declaredKind !== kind) {
    throw new UnsupportedMediaError(`the upload is labelled ${declared!.split(';')[0]} but its bytes are ${found.mime}`, param);
  }
  const contentType = kind === 'audio' && kindOf(found.mime) === 'video' ? found.mime.replace('video/', 'audio/') : found.mime;
  return { kind, contentType, ext: found.ext };
}

type Db = Pick<PrismaClient, 'blob'>;

export interface NewBlob {
  teamId: string;
  bytes: Buffer;
  kind: MediaKind;
  contentType: string;
  filename?: string | null;
  metadata?: Prisma.InputJsonValue;
}

export type BlobInfo = Omit<Blob, 'bytes'>;

const INFO = { id: true, teamId: true, kind: true, contentType: true, size: true, sha256: true, filename: true, metadata: true, createdAt: true } as const;

/** Stores bytes already sniffed or generated; pass a transaction client to store atomically with what refers to them. */
export async function putBlob(db: Db, blob: NewBlob): Promise<BlobInfo> {
  const ext = blob.contentType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin';
  return db.blob.create({
    data: {
      id: `${randomUUID()}.${ext}`,
      teamId: blob.teamId,
      kind: blob.kind,
      contentType: blob.contentType,
      size: blob.bytes.length,
      sha256: createHash('sha256').update(blob.bytes).digest('hex'),
      bytes: new Uint8Array(blob.bytes),
      filename: blob.filename ?? null,
      metadata: blob.metadata ?? {},
    },
    select: INFO,
  });
}

/** A team's blob with its bytes, or null. */
export function getBlob(db: Db, teamId: string, id: string): Promise<Blob | null> {
  return db.blob.findFirst({ where: { id, teamId } });
}

/** The URL clients fetch a blob from. */
export const mediaUrl = (id: string) => `/api/v1/media/${id}`;

/** The blob id in a media URL (absolute or relative) or a bare id; null when it is neither. */
export function blobIdFromUrl(ref: string): string | null {
  const m = /^(?:https?:\/\/[^/]+)?\/api\/v1\/media\/([A-Za-z0-9-]+\.[a-z0-9]+)$/.exec(ref) ?? /^([0-9a-f-]{36}\.[a-z0-9]+)$/.exec(ref);
  return m ? m[1]! : null;
}
