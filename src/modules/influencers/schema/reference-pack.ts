/** The 4-view reference pack in the graph: ReferencePack (with its cost), `Influencer.referencePack` and the `generateReferences` mutation. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { CostEstimateRef } from '../../catalog/schema.js';
import * as influencers from '../service.js';
import { idArg } from './args.js';
import { InfluencerReference } from './influencer.js';

const Money = builder.objectRef<{ currency: 'USD'; totalMicros: number; total: number }>('InfluencerCost').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({ currency: t.exposeString('currency'), totalMicros: t.exposeInt('totalMicros'), total: t.exposeFloat('total') }),
});

/** The status of a reference pack or a preview (also on InfluencerJobEvent). */
export const InfluencerJobStatus = builder.enumType('InfluencerJobStatus', { values: ['queued', 'running', 'completed', 'failed'] as const });

const ReferencePack = builder.objectRef<influencers.ReferencePack>('ReferencePack').implement({
  authScopes: readableWith.characters,
  description: 'A 4-view reference pack job (front, left, right, back).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The job id.' }),
    influencerId: t.exposeID('influencerId'),
    status: t.field({ type: InfluencerJobStatus, resolve: (p) => p.status }),
    done: t.exposeInt('done'),
    total: t.exposeInt('total'),
    views: t.field({ type: [InfluencerReference], resolve: (p) => p.views }),
    error: t.exposeString('error', { nullable: true }),
    cost: t.field({ type: Money, resolve: (p) => p.cost }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObjectField('Influencer', 'referencePack', (t) =>
  t.field({
    type: ReferencePack,
    nullable: true,
    description: 'The latest reference pack job, if any.',
    resolve: (i, _args, ctx) => influencers.getReferencePack(ctx, i.id).catch((e) => (e?.code === 'reference_pack_not_found' ? null : Promise.reject(e))),
  }),
);

const GenerateReferencesPayload = builder.objectRef<influencers.Billable<influencers.ReferencePack>>('GenerateReferencesPayload').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({
    referencePack: t.field({ type: ReferencePack, nullable: true, description: 'null for a dry run.', resolve: (r) => (r.dryRun ? null : r.result) }),
    estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
  }),
});

builder.mutationFields((t) => ({
  generateReferences: t.field({
    type: GenerateReferencesPayload,
    errors: mutationErrors,
    description: 'Queues the 4-view reference pack; follow it with influencerJob(influencerId).',
    args: { ...idArg(t), dryRun: t.arg.boolean({ required: false }) },
    resolve: (_root, { id, dryRun }, ctx) => influencers.generateReferences(ctx, String(id), { dryRun: dryRun ?? undefined }),
  }),
}));
