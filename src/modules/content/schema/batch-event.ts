/** BatchEvent in the graph and the `batchProgress` subscription: a batch's events, stored then live (batch-events.ts). */
import { builder, readableWith } from '../../../graphql/builder.js';
import type { BatchEvent as BatchEventPayload } from '../events.js';
import * as content from '../service.js';

const BatchEventType = builder.enumType('BatchEventType', { values: ['progress', 'item', 'completed', 'failed', 'cancelled'] as const });

const BatchEvent = builder.objectRef<BatchEventPayload>('BatchEvent').implement({
  authScopes: readableWith.content,
  description: 'One event of a batch, numbered by `seq` from 1 without gaps (see src/modules/content/events.ts).',
  fields: (t) => ({
    batchId: t.exposeID('batchId'),
    seq: t.exposeInt('seq'),
    type: t.field({ type: BatchEventType, resolve: (e) => e.type }),
    status: t.exposeString('status', { description: 'The batch’s status after the event.' }),
    count: t.exposeInt('count'),
    completed: t.exposeInt('completed'),
    failed: t.exposeInt('failed'),
    progress: t.exposeInt('progress'),
    contentItemId: t.exposeID('contentItemId', { nullable: true }),
    itemStatus: t.exposeString('itemStatus', { nullable: true, description: 'pending_review or failed (item events).' }),
    error: t.exposeString('error', { nullable: true }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

builder.objectField(BatchEvent, 'item', (t) =>
  t.prismaField({
    type: 'ContentItem',
    nullable: true,
    description: 'The item as it is now (item events; null once deleted).',
    resolve: (query, e, _args, ctx) => (e.contentItemId ? content.findContentItem(ctx, e.contentItemId, query) : null),
  }),
);

builder.subscriptionField('batchProgress', (t) =>
  t.field({
    type: BatchEvent,
    description:
      'A batch’s events after `afterSeq` (default 0, all): those that already happened (rebuilt from the stored batch), then live ones; ends with completed, failed or cancelled.',
    args: { batchId: t.arg.id({ required: true }), afterSeq: t.arg.int({ required: false }) },
    subscribe: (_root, { batchId, afterSeq }, ctx) => content.batchEvents(ctx, String(batchId), afterSeq ?? 0),
    resolve: (e) => e,
  }),
);
