/** Skills in the graph: listed on AgentUser; uploaded, installed from the registry and deleted. */
import type { Skill as SkillRow } from '../../generated/prisma/client.js';
import { builder, readableWith } from '../../graphql/builder.js';
import { ContentEncoding, decodeContent, readerOf } from '../../graphql/bytes.js';
import { mutationErrors } from '../../graphql/errors.js';
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

builder.mutationFields((t) => ({
  uploadSkill: t.field({
    type: Skill,
    errors: mutationErrors,
    description: 'Uploads (or replaces) a custom skill: a SKILL.md with name and description front matter.',
    args: {
      user: t.arg.id({ required: true }),
      id: t.arg.id({ required: true, description: 'The skill’s slug.' }),
      content: t.arg.string({ required: true, description: 'The SKILL.md.' }),
      encoding: t.arg({ type: ContentEncoding, required: false, description: 'Default UTF8.' }),
      contentType: t.arg.string({ required: false, description: 'As the REST upload’s Content-Type (text/markdown by default).' }),
    },
    resolve: async (_r, a, ctx) => {
      const bytes = decodeContent(a.content, a.encoding);
      return (await skills.uploadSkill(ctx, String(a.user), String(a.id), { contentType: a.contentType ?? undefined, read: readerOf(bytes) })).skill;
    },
  }),
  installSkill: t.field({
    type: Skill,
    errors: mutationErrors,
    description: 'Installs a skill from the registry (sha256 verified and pinned).',
    args: { user: t.arg.id({ required: true }), slug: t.arg.string({ required: true }) },
    resolve: async (_r, a, ctx) => (await skills.installFromRegistry(ctx, String(a.user), a.slug)).skill,
  }),
  deleteSkill: t.boolean({
    errors: mutationErrors,
    description: 'Deletes a skill (not found: NotFoundError).',
    args: { user: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => (await skills.deleteSkill(ctx, String(a.user), String(a.id)), true),
  }),
}));
