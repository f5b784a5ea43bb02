/** The JSON body of the usage path (the OpenAPI document's response schema; the suite checks every answer against it). */
import { z } from 'zod';

const tokens = { promptTokens: z.number().int(), completionTokens: z.number().int(), totalTokens: z.number().int() };

export const UsageBody = z.object({
  month: z.string().describe('The UTC month, e.g. 2026-11'),
  tier: z.string(),
  limit: z.number().int(),
  used: z.number().int(),
  remaining: z.number().int(),
  ...tokens,
  byAgent: z.array(z.object({ agentId: z.string(), agent: z.string(), model: z.string(), ...tokens })),
});
