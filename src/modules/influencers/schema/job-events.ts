/** The `influencerJob` subscription: progress of reference packs and previews (the `influencer.job` topic). */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mediaUrl } from '../../../infra/blobs.js';
import type { InfluencerJobEvent as InfluencerJobEventPayload } from '../events.js';
import * as influencers from '../service.js';
import { InfluencerJobStatus } from './reference-pack.js';

const InfluencerJobKind = builder.enumType('InfluencerJobKind', { values: ['references', 'preview'] as const });

const InfluencerJobEvent = builder.objectRef<InfluencerJobEventPayload>('InfluencerJobEvent').implement({
  authScopes: readableWith.characters,
  description: 'Progress of a reference pack or a preview.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The reference-pack job id or the preview id.' }),
    influencerId: t.exposeID('influencerId', { nullable: true }),
    kind: t.field({ type: InfluencerJobKind, resolve: (e) => e.kind }),
    status: t.field({ type: InfluencerJobStatus, resolve: (e) => e.status }),
    done: t.exposeInt('done'),
    total: t.exposeInt('total'),
    mediaUrls: t.stringList({ resolve: (e) => e.mediaIds.map(mediaUrl) }),
    error: t.exposeString('error', { nullable: true }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

builder.subscriptionField('influencerJob', (t) =>
  t.field({
    type: InfluencerJobEvent,
    description: 'Live progress of an influencer’s reference packs and previews (influencerId), or of one preview (previewId; ends with it).',
    args: { influencerId: t.arg.id({ required: false }), previewId: t.arg.id({ required: false }) },
    subscribe: (_root, { influencerId, previewId }, ctx) =>
      influencers.influencerJobEvents(ctx, { influencerId: influencerId ? String(influencerId) : null, previewId: previewId ? String(previewId) : null }),
    resolve: (e) => e,
  }),
);
