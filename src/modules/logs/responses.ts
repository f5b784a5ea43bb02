/** The JSON body of the logs path (the OpenAPI document's response schema; the suite checks every answer against it). */
import { z } from 'zod';

export const LogListBody = z.array(
  z.object({
    time: z.iso.datetime(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    agent: z.string().nullable().describe('The agent’s name; null for a user-level entry'),
    message: z.string(),
    data: z.unknown().describe('Structured detail (a JSON value)'),
  }),
);
