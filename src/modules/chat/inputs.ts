import { z } from 'zod';

export const ChatInput = z.object(
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
  },
  { message: 'messages array is required' },
);
export type ChatInput = z.infer<typeof ChatInput>;
