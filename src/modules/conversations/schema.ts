/**
 * Conversations in the graph: `Conversation` and `ChatMessage` as Nodes, `Agent.conversations`,
 * `conversation(id)`, `conversations(user, agent)`, and the mutations createConversation,
 * renameConversation, resetConversation, deleteConversation. Readable with `agent:chat` (the chat's scope);
 * `owner: ALL` needs `admin` as well. Who sees what: service.ts.
 */
import { builder, readableWith, type TypeScopes } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import { fullRowWith } from '../../infra/db/query.js';
import * as conversations from './service.js';

const orNull = <T>(p: Promise<T>) => p.catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e)));

export const ConversationOwner = builder.enumType('ConversationOwner', {
  description: 'Whose conversations to list: the calling key’s (ME) or every caller’s (ALL, needs admin).',
  values: ['ME', 'ALL'] as const,
});
const owner = (o: 'ME' | 'ALL' | null | undefined) => (o === 'ALL' ? 'all' : 'me');
/** Listing every caller's conversations needs admin too (static maps: the plugin caches them per request). */
const ALL_OWNERS: TypeScopes & { $all?: never } = { admin: true };
const listScopes = (args: { owner?: 'ME' | 'ALL' | null }) => (args.owner === 'ALL' ? { $all: { ...readableWith.chat, ...ALL_OWNERS } } : readableWith.chat);

export const ChatMessage = builder.prismaObject('ChatMessage', {
  authScopes: readableWith.chat,
  description: 'A message of a conversation: a user’s turn or the agent’s reply.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    role: t.exposeString('role', { description: 'user or assistant.' }),
    content: t.exposeString('content'),
    runId: t.exposeID('runId', { nullable: true, description: 'The chat run that wrote it.' }),
    conversation: t.relation('conversation'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Conversation = builder.prismaObject('Conversation', {
  authScopes: readableWith.chat,
  description:
    'A conversation (session) of an agent. Every caller has its own default conversation per agent; others are made with createConversation and shared by id within the team.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    agentId: t.exposeID('agentId'),
    createdBy: t.exposeString('createdBy', { description: 'key:<API key id>, agent:<agent id> (the agent’s own key) or migration.' }),
    mine: t.boolean({ description: 'Made by the calling key.', resolve: (c, _a, ctx) => c.createdBy === conversations.principalOf(ctx) }),
    isDefault: t.boolean({ description: 'Its maker’s default conversation: chats without a conversation id continue it.', resolve: (c) => c.defaultFor !== null }),
    messages: t.relatedConnection(
      'messages',
      { cursor: 'id', description: 'Newest first (the order they were written in).', query: { orderBy: [{ seq: 'desc' }] } },
      { authScopes: readableWith.chat },
      { authScopes: readableWith.chat },
    ),
    runs: t.relatedConnection('runs', { cursor: 'id', description: 'Its chat runs, newest first.', query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] } }, { authScopes: readableWith.chat }, { authScopes: readableWith.chat }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('Conversation', (ctx, id) => conversations.getConversationById(ctx, id));
registerNode('ChatMessage', (ctx, id) => conversations.getMessageById(ctx, id));

builder.prismaObjectField('Agent', 'conversations', (t) =>
  t.prismaConnection(
    {
      type: 'Conversation',
      cursor: 'id',
      description: 'The agent’s conversations, newest first: the calling key’s own (owner ALL: every caller’s; needs admin).',
      args: { owner: t.arg({ type: ConversationOwner, required: false }) },
      authScopes: (_agent, args) => listScopes(args),
      resolve: (query, agent, args, ctx) => conversations.findConversations(ctx, agent.userId, agent.id, owner(args.owner), query),
    },
    { authScopes: readableWith.chat },
    { authScopes: readableWith.chat },
  ),
);

const userAgentArgs = (t: any) => ({
  user: t.arg.id({ required: true, description: 'The user’s id or username.' }),
  agent: t.arg.id({ required: true, description: 'The agent’s id or name.' }),
});

builder.queryFields((t) => ({
  conversation: t.prismaField({
    type: 'Conversation',
    nullable: true,
    description: 'A conversation of the team by id (an agent key: of its agent).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => orNull(conversations.getConversationById(ctx, String(id), query)),
  }),
  conversations: t.prismaConnection(
    {
      type: 'Conversation',
      cursor: 'id',
      description: 'An agent’s conversations, newest first: the calling key’s own (owner ALL: every caller’s; needs admin). Works with the agent’s own key.',
      args: { ...userAgentArgs(t), owner: t.arg({ type: ConversationOwner, required: false }) },
      authScopes: (_root, args) => listScopes(args),
      resolve: (query, _root, args, ctx) => conversations.findConversations(ctx, String(args.user), String(args.agent), owner(args.owner), query),
    },
    { authScopes: readableWith.chat },
    { authScopes: readableWith.chat },
  ),
}));

const ResetConversationResult = builder.objectRef<{ conversation: { id: string }; deletedMessages: number }>('ResetConversationResult').implement({
  authScopes: readableWith.chat,
  fields: (t) => ({
    conversation: t.field({ type: Conversation, resolve: (r) => r.conversation as never }),
    deletedMessages: t.exposeInt('deletedMessages'),
  }),
});

// Conversation loads in select mode: a mutation asked for only `__typename` gets an empty select, which Prisma
// refuses ("Unexpected error."); these load the whole row with the selected relations instead.
builder.mutationFields((t) => ({
  createConversation: t.prismaField({
    type: 'Conversation',
    errors: mutationErrors,
    description: 'Starts a conversation; pass its id to startChatRun (conversationId).',
    args: { ...userAgentArgs(t), name: t.arg.string({ required: false }) },
    resolve: (query, _root, args, ctx) =>
      conversations.createConversation(ctx, String(args.user), String(args.agent), args.name == null ? {} : { name: args.name }, fullRowWith('Conversation', query)),
  }),
  renameConversation: t.prismaField({
    type: 'Conversation',
    errors: mutationErrors,
    args: { ...userAgentArgs(t), id: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: (query, _root, args, ctx) => conversations.renameConversation(ctx, String(args.user), String(args.agent), String(args.id), { name: args.name }, fullRowWith('Conversation', query)),
  }),
  resetConversation: t.field({
    type: ResetConversationResult,
    errors: mutationErrors,
    description: 'Clears the conversation’s messages; it stays (id, name, runs).',
    args: { ...userAgentArgs(t), id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => conversations.resetConversation(ctx, String(args.user), String(args.agent), String(args.id)),
  }),
  deleteConversation: t.prismaField({
    type: 'Conversation',
    errors: mutationErrors,
    description: 'Deletes the conversation and its messages (its runs stay); returns it as it was.',
    args: { ...userAgentArgs(t), id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => conversations.deleteConversation(ctx, String(args.user), String(args.agent), String(args.id), fullRowWith('Conversation', query)),
  }),
}));
