import { z } from 'zod';
import { ConversationId } from '../conversations/service.js';

/**
 * The chat body (seed 003: `{"messages": [...]}`), and two optional fields:
 * - `conversationId`: the conversation this turn continues (also the `X-Conversation-Id` header); absent, the
 *   caller's default conversation with the agent;
 * - `stateless: true`: the request's messages are the whole transcript (the OpenAI style): the run reads no
 *   history and keeps nothing, so a client that resends its transcript never gets it twice.
 * Other fields are ignored, as before (clients written against the seed send extras such as `stream`).
 */
export const ChatInput = z
  .object(
    {
      messages: z
        .array(
          z.object(
            {
              role: z.enum(['user', 'assistant'], { message: 'message role must be user or assistant' }),
              content: z
                .string({ message: 'message content must be a string' })
                .min(1, 'message content must not be empty')
                .max(32_000, 'message content must be at most 32000 characters'),
            },
            { message: 'each message must be an object with role and content' },
          ),
          { message: 'messages array is required' },
        )
        .min(1, 'messages array is required')
        .max(100, 'at most 100 messages at once')
        .refine((m) => m[m.length - 1]?.role === 'user', 'the last message must be from the user'),
      conversationId: ConversationId.optional().describe(
        'The conversation this turn continues (or send the X-Conversation-Id header; both must agree). Absent: the calling key’s default conversation with this agent.',
      ),
      stateless: z
        .boolean({ message: 'stateless must be true or false' })
        .optional()
        .describe('true: the messages are the whole transcript (OpenAI style); no history is read and nothing is kept. Not with a conversation id.'),
    },
    { message: 'messages array is required' },
  )
  .refine((b) => !(b.stateless && b.conversationId), {
    message: 'a stateless chat keeps no conversation: send conversationId or stateless, not both',
    path: ['stateless'],
  });
export type ChatInput = z.infer<typeof ChatInput>;
