/** Response schemas (zod) of the content neighbour paths (issue 20): the OpenAPI document's, and what tests check answers against. */
import { z } from 'zod';
import { VideoBody } from './responses.js';

const at = z.iso.datetime();

/** A batch in a list: no items (GET /batches/:id has them). */
export const BatchSummaryBody = z.object({
  id: z.string(),
  profileId: z.string(),
  collaborationId: z.string().nullable().describe('Set for a batch made from a collaboration'),
  featuring: z.array(z.string()).describe('The influencers every item features (a collaboration’s), else empty'),
  status: z.string().describe('queued | generating | completed | failed | cancelled'),
  count: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  progress: z.number().int(),
  prompt: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: at,
  finishedAt: at.nullable(),
});

/** A comparison with its chosen winner (POST …/video-comparison/{comparisonId}/winner). */
export const ComparisonWinnerBody = z.object({ comparisonId: z.string(), contentItemId: z.string(), winnerId: z.string().nullable(), videos: z.array(VideoBody) });
export const VideoDeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });
