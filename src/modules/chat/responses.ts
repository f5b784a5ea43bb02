/** The JSON body of POST …/chat (the OpenAPI document's response schema; the suite checks every answer against it). */
import { z } from 'zod';

export const ChatReplyBody = z.object({ message: z.string(), agent: z.string().describe('The agent’s name') });
