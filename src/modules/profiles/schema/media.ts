/** MediaItem in the graph (an entry of a profile's media library) and its kind and source enums. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mediaUrl } from '../../../infra/blobs.js';
import { MEDIA_KINDS, MEDIA_SOURCES } from '../inputs.js';

export const MediaItem = builder.prismaObject('MediaItem', {
  authScopes: readableWith.media,
  description: 'An entry of a profile’s media library: generated (a content item’s image) or imported (a post of a connected account).',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind', { description: 'image or video.' }),
    source: t.exposeString('source', { description: 'generated or imported.' }),
    url: t.string({ nullable: true, description: 'The media URL (/api/v1/media/{id}, fetched with the API key) or, for media kept by reference, the external URL.', resolve: (m) => (m.blobId ? mediaUrl(m.blobId) : m.url) }),
    external: t.boolean({ description: 'True when url points outside this server.', resolve: (m) => !m.blobId }),
    caption: t.exposeString('caption', { nullable: true }),
    contentItemId: t.exposeID('contentItemId', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true, description: 'The platform’s post id (imported media).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const MediaKind = builder.enumType('MediaItemKind', { values: MEDIA_KINDS });
export const MediaSource = builder.enumType('MediaItemSource', { values: MEDIA_SOURCES });
