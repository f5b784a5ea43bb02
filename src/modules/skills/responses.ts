/** The JSON body of the skills paths (the OpenAPI document's response schema; the suite checks every answer against it). */
import { z } from 'zod';

export const SkillBody = z.object({
  id: z.string().describe('The skill’s slug'),
  name: z.string(),
  description: z.string(),
  source: z.enum(['custom', 'registry']),
  version: z.string().nullable(),
  sha256: z.string(),
  registryUrl: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});
