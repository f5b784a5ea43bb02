/**
 * An agent's conversations (Autonomis style, under the agent):
 *   GET    …/agents/{agent}/conversations[?owner=me|all&limit&starting_after]   the caller's (all: needs admin)
 *   POST   …/agents/{agent}/conversations {name?}                                 201
 *   GET    …/agents/{agent}/conversations/{conversation}
 *   GET    …/agents/{agent}/conversations/{conversation}/messages[?limit&starting_after]   newest first
 *   PATCH  …/agents/{agent}/conversations/{conversation} {name}
 *   POST   …/agents/{agent}/conversations/{conversation}/reset                   messages cleared, conversation kept
 *   DELETE …/agents/{agent}/conversations/{conversation}
 * Lists page as `{data, has_more, next_cursor}` (src/infra/pagination.ts). Scope `agent:chat`, the chat's.
 */
import { z } from 'zod';
import type { ChatMessage, Conversation } from '../../generated/prisma/client.js';
import { listBody, queryObject } from '../../rest/list.js';
import { created, ok, type Route } from '../../rest/route.js';
import * as inputs from './inputs.js';
import * as conversations from './service.js';
import type { ServiceContext } from '../../context.js';

const base = '/api/v1/users/:user/agents/:agent/conversations';

export function conversationView(ctx: ServiceContext, c: Conversation) {
  return {
    id: c.id,
    agentId: c.agentId,
    name: c.name,
    createdBy: c.createdBy,
    mine: c.createdBy === conversations.principalOf(ctx),
    default: c.defaultFor !== null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

const messageView = (m: ChatMessage) => ({ id: m.id, role: m.role, content: m.content, runId: m.runId, createdAt: m.createdAt.toISOString() });

const ConversationBody = z.object({
  id: z.string(),
  agentId: z.string(),
  name: z.string(),
  createdBy: z.string().describe('The principal that made it: key:<API key id>, agent:<agent id> (the agent’s own key) or migration'),
  mine: z.boolean().describe('Made by the calling key'),
  default: z.boolean().describe('The default conversation of its maker: chats without a conversation id continue it'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const MessageBody = z.object({ id: z.string(), role: z.string().describe('user or assistant'), content: z.string(), runId: z.string().nullable(), createdAt: z.string() });
const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() });

// conversations
export const conversationRoutes: Route[] = [
  {
    method: 'GET',
    path: base,
    scope: 'agent:chat',
    query: inputs.ConversationListInput,
    response: page(ConversationBody),
    summary: 'List the agent’s conversations, newest first: the caller’s own (owner=all: every caller’s; needs admin)',
    handler: async ({ ctx, params, query }) => {
      const p = await conversations.listConversations(ctx, params.user!, params.agent!, queryObject(query));
      return ok(listBody(p, (c) => conversationView(ctx, c)));
    },
  },
  {
    method: 'POST',
    path: base,
    scope: 'agent:chat',
    body: inputs.CreateConversationInput,
    response: ConversationBody,
    responses: { 201: 'Created' },
    summary: 'Start a conversation; pass its id to …/chat as conversationId or X-Conversation-Id',
    handler: async ({ ctx, params, body }) => created(conversationView(ctx, await conversations.createConversation(ctx, params.user!, params.agent!, body))),
  },
  {
    method: 'GET',
    path: `${base}/:conversation`,
    scope: 'agent:chat',
    response: ConversationBody,
    summary: 'Get a conversation (any of the team’s, by id)',
    handler: async ({ ctx, params }) => ok(conversationView(ctx, await conversations.getConversation(ctx, params.user!, params.agent!, params.conversation!))),
  },
  {
    method: 'GET',
    path: `${base}/:conversation/messages`,
    scope: 'agent:chat',
    query: inputs.MessageListInput,
    response: page(MessageBody),
    summary: 'A conversation’s messages, newest first',
    handler: async ({ ctx, params, query }) =>
      ok(listBody(await conversations.listConversationMessages(ctx, params.user!, params.agent!, params.conversation!, queryObject(query)), messageView)),
  },
  {
    method: 'PATCH',
    path: `${base}/:conversation`,
    scope: 'agent:chat',
    body: inputs.RenameConversationInput,
    response: ConversationBody,
    summary: 'Rename a conversation',
    handler: async ({ ctx, params, body }) =>
      ok(conversationView(ctx, await conversations.renameConversation(ctx, params.user!, params.agent!, params.conversation!, body))),
  },
  {
    method: 'POST',
    path: `${base}/:conversation/reset`,
    scope: 'agent:chat',
    response: ConversationBody.extend({ deletedMessages: z.number().int() }),
    summary: 'Clear a conversation’s messages; the conversation (id, name) stays',
    handler: async ({ ctx, params }) => {
      const { conversation, deletedMessages } = await conversations.resetConversation(ctx, params.user!, params.agent!, params.conversation!);
      return ok({ ...conversationView(ctx, conversation), deletedMessages });
    },
  },
  {
    method: 'DELETE',
    path: `${base}/:conversation`,
    scope: 'agent:chat',
    response: z.object({ id: z.string(), name: z.string(), deleted: z.literal(true) }),
    summary: 'Delete a conversation and its messages (its runs stay)',
    handler: async ({ ctx, params }) => {
      const c = await conversations.deleteConversation(ctx, params.user!, params.agent!, params.conversation!);
      return ok({ id: c.id, name: c.name, deleted: true });
    },
  },
];
