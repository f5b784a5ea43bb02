/** The team's media files in the graph (issue 20): the Media type, the `mediaFiles` list, and uploading (base64) and deleting one. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { ValidationError } from '../../errors.js';
import { mediaUrl } from '../../infra/blobs.js';
import * as media from './service.js';

const INFO = { id: true, kind: true, contentType: true, size: true, sha256: true, filename: true, metadata: true, createdAt: true } as const;

builder.prismaObject('Blob', {
  name: 'Media',
  authScopes: readableWith.mediaFiles,
  description: 'A stored image, video or audio file of the team (its bytes at `url`, with the API key).',
  select: INFO,
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.string({ resolve: (b) => mediaUrl(b.id) }),
    kind: t.exposeString('kind', { description: 'image, video or audio.' }),
    contentType: t.exposeString('contentType', { description: 'Sniffed from the bytes.' }),
    size: t.exposeInt('size'),
    sha256: t.exposeString('sha256'),
    filename: t.exposeString('filename', { nullable: true }),
    source: t.string({
      description: 'upload, or what generated it.',
      resolve: (b) => {
        const m = (b.metadata && typeof b.metadata === 'object' && !Array.isArray(b.metadata) ? b.metadata : {}) as Record<string, unknown>;
        return typeof m.source === 'string' ? m.source : typeof m.provider === 'string' ? m.provider : 'generated';
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

builder.queryFields((t) => ({
  mediaFiles: t.prismaConnection({
    type: 'Blob',
    cursor: 'id',
    description: 'The team’s media, newest first (GET /api/v1/media); kind: image, video or audio.',
    args: { kind: t.arg.string({ required: false }) },
    resolve: (query, _root, { kind }, ctx) => media.findMediaFiles(ctx, kind ?? null, query),
  }, { authScopes: readableWith.mediaFiles }, { authScopes: readableWith.mediaFiles }),
}));

builder.mutationFields((t) => ({
  uploadMedia: t.prismaField({
    type: 'Blob',
    errors: mutationErrors,
    description: 'Stores one file given as base64 (bounded by MEDIA_MAX_UPLOAD_BYTES and the request body limit; POST /api/v1/media takes raw bytes).',
    args: { dataBase64: t.arg.string({ required: true }), filename: t.arg.string({ required: false }), contentType: t.arg.string({ required: false }) },
    resolve: (_q, _root, args, ctx) =>
      media.uploadMedia(ctx, async () => {
        const text = args.dataBase64.replace(/\s+/g, '');
        if (!BASE64.test(text) || text.length % 4 === 1) throw new ValidationError('dataBase64 is not base64', 'dataBase64');
        const bytes = Buffer.from(text, 'base64');
        if (bytes.length > ctx.deps.config.mediaMaxUploadBytes) throw new ValidationError(`the file is larger than ${ctx.deps.config.mediaMaxUploadBytes} bytes`, 'dataBase64', 'payload_too_large');
        return { files: [{ field: 'file', filename: args.filename ?? null, declaredType: args.contentType ?? null, bytes }], fields: {}, json: undefined };
      }) as never,
  }),
  deleteMedia: t.prismaField({
    type: 'Blob',
    errors: mutationErrors,
    description: 'Deletes a media file nothing uses (else ConflictError media_in_use); returns it as it was.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, { id }, ctx) => media.deleteMedia(ctx, String(id)) as never,
  }),
}));
