/** Previews in the graph: the Preview node, its queries and the `generatePreviews` mutation. */
import type { Preview as PreviewRow } from '../../../generated/prisma/client.js';
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import { mediaUrl } from '../../../infra/blobs.js';
import { CostEstimateRef } from '../../catalog/schema.js';
import * as influencers from '../service.js';
import { given, idArg } from './args.js';

const PreviewStatus = builder.enumType('PreviewStatus', { values: ['queued', 'running', 'completed', 'failed'] as const });

export const Preview = builder.prismaObject('Preview', {
  authScopes: readableWith.characters,
  description: 'Preview images of an influencer or a draft character, made by a background job.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: PreviewStatus, resolve: (p) => p.status as 'queued' | 'running' | 'completed' | 'failed' }),
    count: t.exposeInt('count'),
    done: t.int({ resolve: (p) => influencers.previewImages(p).length }),
    imageUrls: t.stringList({ description: 'In the order they were made.', resolve: (p) => influencers.previewImages(p).map(mediaUrl) }),
    spec: t.field({ type: 'JSON', description: 'What the previews were made from: name, basePrompt, aestheticGrade, niche.', resolve: (p) => {
      const s = influencers.previewSpec(p);
      return { name: s.name ?? null, basePrompt: s.basePrompt ?? null, aestheticGrade: s.aestheticGrade ?? null, niche: s.niche ?? null };
    } }),
    error: t.exposeString('error', { nullable: true }),
    influencer: t.relation('influencer', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('Preview', (ctx, id) => influencers.findPreview(ctx, id), { prefix: 'prev_' });

builder.queryFields((t) => ({
  preview: t.prismaField({ type: 'Preview', nullable: true, args: idArg(t), resolve: (query, _root, { id }, ctx) => influencers.findPreview(ctx, String(id), query) }),
  previews: t.prismaConnection({
    type: 'Preview',
    cursor: 'id',
    description: 'The team’s previews, newest first.',
    args: { influencerId: t.arg.id({ required: false }) },
    resolve: (query, _root, { influencerId }, ctx) => influencers.findPreviews(ctx, influencerId ? String(influencerId) : null, query),
  }, { authScopes: readableWith.characters }, { authScopes: readableWith.characters }),
}));

const GeneratePreviewsPayload = builder.objectRef<influencers.Billable<PreviewRow>>('GeneratePreviewsPayload').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({
    preview: t.field({ type: Preview, nullable: true, description: 'null for a dry run.', resolve: (r) => (r.dryRun ? null : r.result) }),
    estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
  }),
});

const GeneratePreviewsInput = builder.inputType('GeneratePreviewsInput', {
  description: 'An influencer (influencerId) or a draft (basePrompt, …); count 1–4.',
  fields: (t) => ({
    influencerId: t.id(),
    name: t.string(),
    basePrompt: t.string(),
    aestheticGrade: t.string(),
    niche: t.string(),
    count: t.int({ description: '1–4 (default 1).' }),
    dryRun: t.boolean(),
  }),
});

builder.mutationFields((t) => ({
  generatePreviews: t.field({
    type: GeneratePreviewsPayload,
    errors: mutationErrors,
    description: 'Queues preview images of an influencer or a draft; follow them with influencerJob(previewId).',
    args: { input: t.arg({ type: GeneratePreviewsInput, required: true }) },
    resolve: (_root, { input }, ctx) => influencers.createPreview(ctx, { ...given(input), ...(input.influencerId ? { influencerId: String(input.influencerId) } : {}) }),
  }),
}));

// content neighbours (issue 20)
builder.mutationFields((t) => ({
  createInfluencerFromPreview: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    description: 'Turns a completed draft preview into an influencer: its spec, and image `imageIndex` (default 0) as the front reference.',
    args: { ...idArg(t), name: t.arg.string(), handle: t.arg.string(), bio: t.arg.string(), imageIndex: t.arg.int() },
    resolve: (_q, _root, { id, ...rest }, ctx) => influencers.influencerFromPreview(ctx, String(id), Object.fromEntries(Object.entries(rest).filter(([, v]) => v != null))),
  }),
}));
