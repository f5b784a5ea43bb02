/** Conversation inputs (REST bodies and queries, GraphQL arguments); unknown fields are a 400, as elsewhere in Autonomis. */
import { z } from 'zod';
import { listQuery } from '../../infra/pagination.js';

/** A conversation id as clients send it (body `conversationId`, header `X-Conversation-Id`, path, GraphQL). */
export const ConversationId = z
  .string({ message: 'conversationId must be a string' })
  .min(1, 'conversationId must not be empty')
  .max(100, 'conversationId must be at most 100 characters');

/** At most this many characters in a conversation's name. */
export const MAX_CONVERSATION_NAME = 200;
const ConversationName = z
  .string({ error: (iss) => (iss.input === undefined ? 'name is required' : 'name must be a string') })
  .trim()
  .min(1, 'name must not be empty')
  .max(MAX_CONVERSATION_NAME, `name must be at most ${MAX_CONVERSATION_NAME} characters`);

const unknownKeys = (iss: { code?: string; keys?: string[] }) =>
  iss.code === 'unrecognized_keys' ? `unknown field: ${(iss.keys ?? []).join(', ')}` : undefined;

export const CreateConversationInput = z.strictObject({ name: ConversationName.optional() }, { error: unknownKeys });
export type CreateConversationInput = z.infer<typeof CreateConversationInput>;

export const RenameConversationInput = z.strictObject({ name: ConversationName }, { error: (iss) => unknownKeys(iss) ?? 'body must be an object with name' });
export type RenameConversationInput = z.infer<typeof RenameConversationInput>;

/** `owner`: `me` (default) lists the caller's own conversations; `all` every caller's (needs `admin`). */
export const ConversationListInput = listQuery('a conversation', {
  owner: z.enum(['me', 'all'], { message: 'owner must be me or all' }).default('me'),
});
export type ConversationListInput = z.infer<typeof ConversationListInput>;

export const MessageListInput = listQuery('a message', {});
export type MessageListInput = z.infer<typeof MessageListInput>;
