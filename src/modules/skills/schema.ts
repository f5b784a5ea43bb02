/** Skills in the graph: listed on AgentUser. */
import type { Skill as SkillRow } from '../../generated/prisma/client.js';
import { builder, readableWith } from '../../graphql/builder.js';
import * as skills from './service.js';

const Skill = builder.objectRef<SkillRow>('Skill').implement({
  authScopes: readableWith.agents,
  description: 'A skill the user’s agents can use; its description goes into their system prompt.',
  fields: (t) => ({
    id: t.exposeID('slug'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    source: t.exposeString('source', { description: 'custom or registry' }),
    version: t.exposeString('version', { nullable: true }),
    sha256: t.exposeString('sha256', { description: 'Pinned hash of the installed SKILL.md.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('AgentUser', 'skills', (t) =>
  t.field({ type: [Skill], resolve: (user, _args, ctx) => skills.listSkills(ctx, user.id) }),
);
