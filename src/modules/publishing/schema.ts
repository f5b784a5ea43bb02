/** Publishing in the graph: publications on content items, mutations, and live status per item and per profile. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import type { ServiceContext } from '../../context.js';
import type { PublishStatusEvent } from './events.js';
import * as publishing from './service.js';
import { ValidationError } from '../../errors.js';
import { queueFilter, reschedule } from './queue.js';

builder.prismaObject('PublicationAttempt', {
  authScopes: readableWith.publishing,
  description: 'One attempt to publish, with what the platform answered.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    outcome: t.exposeString('outcome', { description: 'success | failure' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The platform’s HTTP status; null when it was not reached.' }),
    error: t.exposeString('error', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Publication = builder.prismaObject('Publication', {
  authScopes: readableWith.publishing,
  description: 'One content item on one social account: scheduled → queued → publishing → published | failed (or cancelled, removed).',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status'),
    format: t.exposeString('format', { description: 'text | image | carousel | video' }),
    mediaIds: t.exposeStringList('mediaIds', { description: 'The media posted, in order (GET /api/v1/media/{id}); empty for text.' }),
    videoId: t.exposeString('videoId', { nullable: true, description: 'The content video posted (format video).' }),
    caption: t.exposeString('caption', { nullable: true, description: 'This platform’s own text; null: the item’s caption.' }),
    scheduledAt: t.expose('scheduledAt', { type: 'DateTime', nullable: true }),
    plannedAt: t.expose('plannedAt', { type: 'DateTime', description: 'When it is due: scheduledAt, or when it was asked for.' }),
    attempts: t.exposeInt('attempts'),
    maxAttempts: t.exposeInt('maxAttempts'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'The platform’s own error of the last failed attempt.' }),
    externalId: t.exposeString('externalId', { nullable: true }),
    url: t.exposeString('externalUrl', { nullable: true }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    removedAt: t.expose('removedAt', { type: 'DateTime', nullable: true }),
    platform: t.string({
      description: 'The platform it goes to (its account’s: sandbox | webhook | x | tiktok | instagram), without reaching the account (profile:read).',
      select: { account: { select: { platform: true } } },
      resolve: (p) => p.account.platform,
    }),
    account: t.relation('account'),
    contentItem: t.relation('contentItem'),
    attemptLog: t.relation('attemptLog', { query: { orderBy: { attempt: 'asc' } } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('ContentItem', 'publications', (t) => t.relation('publications', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }));

const PublishStatusChange = builder.objectRef<PublishStatusEvent>('PublishStatusChange').implement({
  authScopes: readableWith.publishing,
  description: 'A publication changed status.',
  fields: (t) => ({
    contentItemId: t.exposeID('contentItemId'),
    profileId: t.exposeID('profileId'),
    publicationId: t.exposeID('publicationId'),
    accountId: t.exposeID('accountId'),
    platform: t.exposeString('platform'),
    format: t.exposeString('format', { description: 'text | image | carousel | video' }),
    status: t.exposeString('status'),
    itemStatus: t.exposeString('itemStatus', { description: 'The content item’s status after the change.' }),
    attempts: t.exposeInt('attempts'),
    error: t.exposeString('error', { nullable: true }),
    url: t.exposeString('externalUrl', { nullable: true }),
    at: t.exposeString('at'),
  }),
});

const PlatformCaption = builder.inputType('PlatformCaptionInput', {
  description: 'One platform’s own text for a post.',
  fields: (t) => ({
    platform: t.string({ required: true, description: 'sandbox | webhook | x | tiktok | instagram' }),
    text: t.string({ required: true }),
  }),
});

const PublishInput = builder.inputType('PublishContentInput', {
  fields: (t) => ({
    accountIds: t.idList({ required: false, description: 'Default: every connected account of the item’s profile.' }),
    scheduledAt: t.field({ type: 'DateTime', required: false }),
    format: t.string({ required: false, description: 'text | image | carousel | video. Default: video with videoId, carousel with several mediaIds, image with the item’s image, else text.' }),
    videoId: t.id({ required: false, description: 'A completed video of this item (default for format video: its newest).' }),
    mediaIds: t.idList({ required: false, description: 'The images in order (the item’s or the team’s media): one image, or a carousel.' }),
    captions: t.field({ type: [PlatformCaption], required: false, description: 'Per-platform text instead of the item’s caption, each within its platform’s limit.' }),
  }),
});

/** The GraphQL input as the REST body (the service validates both the same way). */
function publishBody(input: typeof PublishInput.$inferInput | null | undefined): Record<string, unknown> {
  if (!input) return {};
  const captions: Record<string, string> = {};
  for (const c of input.captions ?? []) {
    if (c.platform in captions) throw new ValidationError(`captions name ${c.platform} twice`, 'captions');
    captions[c.platform] = c.text;
  }
  return {
    ...(input.accountIds ? { accountIds: input.accountIds.map(String) } : {}),
    ...(input.scheduledAt ? { scheduledAt: input.scheduledAt.toISOString() } : {}),
    ...(input.format != null ? { format: input.format } : {}),
    ...(input.videoId != null ? { videoId: String(input.videoId) } : {}),
    ...(input.mediaIds ? { mediaIds: input.mediaIds.map(String) } : {}),
    ...(input.captions ? { captions } : {}),
  };
}

const publications = (ctx: ServiceContext, id: string) =>
  ctx.deps.prisma.publication.findMany({ where: { contentItemId: id, teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });

builder.mutationFields((t) => ({
  publishContent: t.prismaField({
    type: ['Publication'],
    errors: mutationErrors,
    description: 'Publishes an approved item now or at scheduledAt (same rules as POST /api/v1/content/:id/publish).',
    args: { contentItemId: t.arg.id({ required: true }), input: t.arg({ type: PublishInput, required: false }) },
    resolve: async (_q, _r, { contentItemId, input }, ctx) => {
      await publishing.publish(ctx, String(contentItemId), publishBody(input));
      return publications(ctx, String(contentItemId));
    },
  }),
  retryPublish: t.prismaField({
    type: ['Publication'],
    errors: mutationErrors,
    description: 'Queues the item’s failed publications again, under the same idempotency keys.',
    args: { contentItemId: t.arg.id({ required: true }) },
    resolve: async (_q, _r, { contentItemId }, ctx) => {
      await publishing.retry(ctx, String(contentItemId), {});
      return publications(ctx, String(contentItemId));
    },
  }),
  unpublishContent: t.prismaField({
    type: ['Publication'],
    errors: mutationErrors,
    description: 'Cancels scheduled publications and removes published posts where the platform allows.',
    args: { contentItemId: t.arg.id({ required: true }) },
    resolve: async (_q, _r, { contentItemId }, ctx) => {
      await publishing.unpublish(ctx, String(contentItemId), {});
      return publications(ctx, String(contentItemId));
    },
  }),
}));

const QueueFilter = builder.inputType('PublishingQueueFilter', {
  description: 'What GET /api/v1/publishing/queue filters by.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: false, description: 'Due at or after.' }),
    to: t.field({ type: 'DateTime', required: false, description: 'Due before.' }),
    platforms: t.stringList({ required: false }),
    statuses: t.stringList({ required: false, description: 'scheduled | queued | publishing | published | failed | cancelled | removed' }),
    profileId: t.id({ required: false }),
    accountId: t.id({ required: false }),
  }),
});

builder.queryFields((t) => ({
  publishingQueue: t.prismaConnection(
    {
      type: 'Publication',
      cursor: 'id',
      description: 'The publishing queue / calendar: publications by when they are due, earliest first (same filters as GET /api/v1/publishing/queue).',
      args: { filter: t.arg({ type: QueueFilter, required: false }) },
      resolve: (query, _r, { filter }, ctx) => {
        const f = filter ?? {};
        const where = queueFilter(ctx, {
          ...(f.from ? { from: f.from.toISOString() } : {}),
          ...(f.to ? { to: f.to.toISOString() } : {}),
          ...(f.platforms?.length ? { platform: f.platforms.join(',') } : {}),
          ...(f.statuses?.length ? { status: f.statuses.join(',') } : {}),
          ...(f.profileId ? { profileId: String(f.profileId) } : {}),
          ...(f.accountId ? { accountId: String(f.accountId) } : {}),
        });
        return ctx.deps.prisma.publication.findMany({ ...query, where, orderBy: [{ plannedAt: 'asc' }, { id: 'asc' }] });
      },
    },
    { authScopes: readableWith.publishing },
    { authScopes: readableWith.publishing },
  ),
}));

builder.mutationFields((t) => ({
  reschedulePublication: t.prismaField({
    type: 'Publication',
    errors: mutationErrors,
    description: 'Moves a publication that has not gone out yet to another time (same rules as POST /api/v1/publications/:id/reschedule).',
    args: { id: t.arg.id({ required: true }), scheduledAt: t.arg({ type: 'DateTime', required: true }) },
    resolve: async (_q, _r, { id, scheduledAt }, ctx) => reschedule(ctx, String(id), { scheduledAt: scheduledAt.toISOString() }),
  }),
}));

builder.subscriptionFields((t) => ({
  publishStatus: t.field({
    type: PublishStatusChange,
    description: 'Status changes of a content item’s publications, live (needs publishing:write).',
    args: { contentItemId: t.arg.id({ required: true }) },
    subscribe: async (_r, { contentItemId }, ctx) => {
      await publishing.publishStatus(ctx, String(contentItemId)); // scope and tenancy (404 for others)
      return ctx.deps.pubsub.subscribe('publish.status', String(contentItemId));
    },
    resolve: (e) => e,
  }),
  profilePublishStatus: t.field({
    type: PublishStatusChange,
    description: 'Status changes of every publication of a profile, live (needs publishing:write).',
    args: { profileId: t.arg.id({ required: true }) },
    subscribe: async (_r, { profileId }, ctx) => {
      await publishing.assertProfile(ctx, String(profileId));
      return ctx.deps.pubsub.subscribe('profile.publish', String(profileId));
    },
    resolve: (e) => e,
  }),
}));
