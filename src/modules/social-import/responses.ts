/** The JSON body of the social import paths (the OpenAPI document's response schema; the suite checks every answer against it). */
import { z } from 'zod';

const at = z.iso.datetime();

export const ImportJobBody = z.object({
  id: z.string(),
  jobId: z.string().describe('The same as id'),
  accountId: z.string(),
  profileId: z.string(),
  platform: z.string(),
  status: z.string().describe('queued | running | completed | failed'),
  limit: z.number().int(),
  imported: z.number().int(),
  skipped: z.number().int(),
  error: z.string().nullable(),
  createdAt: at,
  updatedAt: at,
  finishedAt: at.nullable(),
});
