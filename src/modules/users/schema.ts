/** Autonomis users in the graph: AgentUser, its queries and mutations. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import * as users from './service.js';
import { fullRowWith } from '../../infra/db/query.js';
import { tierLimits, type TierLimits } from './tiers.js';
import { DeployStatus, TemplateFile, TemplatesInput, templatesPatch } from '../agents/schema.js';
import * as agents from '../agents/service.js';
import { storedTemplates } from '../agents/service.js';

const TierLimitsType = builder.objectRef<TierLimits>('TierLimits').implement({
  authScopes: readableWith.agents,
  description: 'What a tier allows (src/modules/users/tiers.ts).',
  fields: (t) => ({
    agents: t.exposeInt('agents', { description: 'Agents a user may have at once.' }),
    monthlyTokens: t.exposeFloat('monthlyTokens', { description: 'Prompt + completion tokens per calendar month (UTC).' }),
    workspaceBytes: t.exposeFloat('workspaceBytes', { description: 'Bytes across one agent’s workspace files.' }),
    fileBytes: t.exposeFloat('fileBytes', { description: 'Bytes in one workspace file.' }),
    skills: t.exposeInt('skills', { description: 'Skills a user may install.' }),
  }),
});

export const AgentUser = builder.prismaObject('AgentUser', {
  authScopes: readableWith.agents,
  description: 'An Autonomis user: has a plan (tier) and agents. REST addresses it by id or username.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    email: t.exposeString('email', { nullable: true }),
    tier: t.exposeString('tier'),
    limits: t.field({ type: TierLimitsType, resolve: (u) => tierLimits(u.tier) }),
    agents: t.relation('agents', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    defaultTemplates: t.field({
      type: [TemplateFile],
      description: 'User-level default templates (those set).',
      resolve: (u) => Object.entries(storedTemplates(u.templates)).map(([name, content]) => ({ name, content: content!, source: 'user' as const })),
    }),
    deployStatus: t.field({
      type: DeployStatus,
      nullable: true,
      description: 'The latest deploy of this user’s agents.',
      resolve: (u, _a, ctx) => agents.latestDeployOf(ctx, u.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

registerNode('AgentUser', (ctx, id) => users.getUser(ctx, id).then((u) => (u.id === id ? u : null)));

const CreateAgentUserInput = builder.inputType('CreateAgentUserInput', {
  fields: (t) => ({
    username: t.string({ required: true, description: 'Unique in the team; 1–64 of a-z, 0-9, ".", "_", "-".' }),
    email: t.string({ required: false }),
    tier: t.string({ required: false, description: 'free (default), pro or enterprise.' }),
  }),
});

const nullToUndefined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

builder.queryFields((t) => ({
  agentUsers: t.prismaConnection({
    type: 'AgentUser',
    cursor: 'id',
    description: 'The team’s Autonomis users, oldest first.',
    resolve: (query, _root, _args, ctx) => users.findUsers(ctx, query),
  }, { authScopes: readableWith.agents }, { authScopes: readableWith.agents }),
  agentUser: t.prismaField({
    type: 'AgentUser',
    nullable: true,
    description: 'A user by id or username.',
    args: { ref: t.arg.id({ required: true }) },
    resolve: (query, _root, { ref }, ctx) => users.getUser(ctx, String(ref), query).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e))),
  }),
}));

builder.mutationFields((t) => ({
  createAgentUser: t.prismaField({
    type: 'AgentUser',
    errors: mutationErrors,
    args: { input: t.arg({ type: CreateAgentUserInput, required: true }) },
    resolve: (_q, _root, { input }, ctx) => users.createUser(ctx, nullToUndefined(input)),
  }),
  deleteAgentUser: t.prismaField({
    type: 'AgentUser',
    errors: mutationErrors,
    description: 'Deletes the user and all their data; returns the user as it was.',
    args: { user: t.arg.id({ required: true, description: 'Id or username.' }) },
    // The row goes away: load it whole, with the selected relations (a selection of only `__typename` is an empty Prisma select).
    resolve: (query, _root, { user }, ctx) => users.deleteUser(ctx, String(user), fullRowWith('AgentUser', query)),
  }),
  setAgentUserTier: t.prismaField({
    type: 'AgentUser',
    errors: mutationErrors,
    args: { user: t.arg.id({ required: true }), tier: t.arg.string({ required: true }) },
    resolve: (_q, _root, { user, tier }, ctx) => users.setTier(ctx, String(user), { tier }),
  }),
  setUserAgentTemplates: t.prismaField({
    type: 'AgentUser',
    errors: mutationErrors,
    description: 'Merges user-level default templates (null removes one) and redeploys the user’s agents.',
    args: { user: t.arg.id({ required: true }), templates: t.arg({ type: TemplatesInput, required: true }) },
    resolve: async (_q, _root, { user, templates }, ctx) => {
      await agents.setUserTemplates(ctx, String(user), templatesPatch(templates));
      return users.getUser(ctx, String(user));
    },
  }),
}));
