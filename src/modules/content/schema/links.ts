/**
 * The content fields on Profile and Influencer (`Profile.batches`,
 * `Profile.contentItems`, `Influencer.contentItems`) and the links back.
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { columnsFor, loaderFor } from '../../../graphql/loaders.js';
import { Prisma } from '../../../generated/prisma/client.js';
import * as content from '../service.js';
import { Batch, BATCH_COLUMNS } from './batch.js';
import { ContentItemStatus } from './item.js';

const MAX_BATCHES = 50;
const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/**
 * Fields on the Profile and Influencer types (defined by their modules). They
 * are added only once those types exist in the graph, so this module builds
 * on its own as well.
 */
function linkProfilesAndInfluencers(): void {
  const has = (name: string) => builder.configStore.hasImplementation(name);
  if (has('Profile')) {
    builder.prismaObjectFields('Profile', (t) => ({
      batches: t.field({
        type: [Batch],
        description: `The profile’s latest batches, newest first (limit 1–${MAX_BATCHES}, default 10).`,
        args: { limit: t.arg.int({ required: false }) },
        // One statement for every profile of the query (a loader per limit), not one per profile.
        resolve: (p, args, ctx, info) => {
          const limit = Math.min(MAX_BATCHES, Math.max(1, args.limit ?? 10));
          const columns = columnsFor(info, Prisma.BatchScalarFieldEnum, BATCH_COLUMNS.always, BATCH_COLUMNS.derived);
          return loaderFor(ctx, `Profile.batches:${limit}:${columns ?? '*'}`, (ids) => content.latestBatchesOf(ctx.deps, ids, limit, columns)).load(p.id);
        },
      }),
      contentItems: t.relatedConnection('contentItems', {
        cursor: 'id',
        description: 'The profile’s content items, newest first.',
        args: { status: t.arg({ type: ContentItemStatus, required: false }) },
        query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: newestFirst }),
      }, { authScopes: readableWith.content }, { authScopes: readableWith.content }),
    }));
    builder.prismaObjectField('Batch', 'profile', (t) => t.relation('profile'));
    builder.prismaObjectField('ContentItem', 'profile', (t) => t.relation('profile'));
  }
  if (has('Influencer')) {
    builder.prismaObjectField('Influencer', 'contentItems', (t) =>
      t.relatedConnection('contentItems', {
        cursor: 'id',
        description: 'Content items showing this influencer, newest first.',
        args: { status: t.arg({ type: ContentItemStatus, required: false }) },
        query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: newestFirst }),
      }, { authScopes: readableWith.content }, { authScopes: readableWith.content }),
    );
    builder.prismaObjectField('ContentItem', 'influencer', (t) => t.relation('influencer', { nullable: true }));
  }
}
linkProfilesAndInfluencers();
