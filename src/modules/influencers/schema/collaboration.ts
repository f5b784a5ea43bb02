/** Collaborations in the graph: the Collaboration node, `Influencer.collaborations`, its queries and mutations. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import * as influencers from '../service.js';
import { idArg } from './args.js';
import { Influencer } from './influencer.js';

export const Collaboration = builder.prismaObject('Collaboration', {
  authScopes: readableWith.characters,
  description: 'Several influencers (2–10, in order) grouped for joint content.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    influencers: t.field({
      type: [Influencer],
      description: 'In the order they were given.',
      select: (_args, _ctx, nested) => ({ members: { orderBy: { position: 'asc' }, select: { influencer: nested(true) } } }),
      resolve: (c) => c.members.map((m) => m.influencer),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Influencer', 'collaborations', (t) =>
  t.field({
    type: [Collaboration],
    select: (_args, _ctx, nested) => ({ collaborations: { orderBy: { collaborationId: 'asc' }, select: { collaboration: nested(true) } } }),
    resolve: (i) => i.collaborations.map((m) => m.collaboration),
  }),
);

registerNode('Collaboration', (ctx, id) => influencers.findCollaboration(ctx, id), { prefix: 'collab_' });

builder.queryFields((t) => ({
  collaboration: t.prismaField({ type: 'Collaboration', nullable: true, args: idArg(t), resolve: (query, _root, { id }, ctx) => influencers.findCollaboration(ctx, String(id), query) }),
  collaborations: t.prismaConnection({
    type: 'Collaboration',
    cursor: 'id',
    description: 'The team’s collaborations, newest first.',
    resolve: (query, _root, _args, ctx) => influencers.findCollaborations(ctx, query),
  }, { authScopes: readableWith.characters }, { authScopes: readableWith.characters }),
}));

builder.mutationFields((t) => ({
  createCollaboration: t.prismaField({
    type: 'Collaboration',
    errors: mutationErrors,
    args: { name: t.arg.string({ required: true }), description: t.arg.string(), influencerIds: t.arg.idList({ required: true }) },
    resolve: (_q, _root, args, ctx) => influencers.createCollaboration(ctx, { name: args.name, description: args.description, influencerIds: args.influencerIds.map(String) }),
  }),
  deleteCollaboration: t.prismaField({
    type: 'Collaboration',
    errors: mutationErrors,
    args: idArg(t),
    resolve: (_q, _root, { id }, ctx) => influencers.deleteCollaboration(ctx, String(id)),
  }),
}));
