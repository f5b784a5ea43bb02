/** Response schemas (zod) of the content neighbour paths (issue 20): the OpenAPI document's, and what tests check answers against. */
import { z } from 'zod';

const at = z.iso.datetime();
const providerModel = z.object({ provider: z.string(), model: z.string() });

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable().describe('The last id of this page; null on the last page') });

export const NeighbourVideoBody = z.object({
  id: z.string(),
  contentItemId: z.string(),
  status: z.string().describe('queued | rendering | completed | failed'),
  variant: z.string().nullable(),
  comparisonId: z.string().nullable(),
  winner: z.boolean().describe('Chosen as its comparison’s winner'),
  motion: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  prompt: z.string().nullable(),
  provider: z.string().nullable(),
  url: z.string().nullable(),
  contentType: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: at,
  updatedAt: at,
});

export const NeighbourItemBody = z.object({
  id: z.string(),
  batchId: z.string().nullable(),
  position: z.number().int(),
  profileId: z.string(),
  influencerId: z.string().nullable(),
  status: z.string(),
  prompt: z.string().nullable(),
  caption: z.string().nullable(),
  imageUrl: z.string().nullable(),
  rejectReason: z.string().nullable(),
  error: z.string().nullable(),
  generation: z.object({
    imagePrompt: z.string().nullable(),
    aestheticGrade: z.string().nullable(),
    contentDirectionId: z.string().nullable(),
    image: providerModel.nullable(),
    caption: providerModel.extend({ instructions: z.string().optional() }).nullable(),
    regenerations: z.number().int(),
  }),
  videos: z.array(NeighbourVideoBody),
  createdAt: at,
  updatedAt: at,
});

const cost = z.object({ currency: z.literal('USD'), totalMicros: z.number().int(), total: z.number() });

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

export const NeighbourBatchBody = BatchSummaryBody.omit({ collaborationId: true, featuring: true }).extend({
  contentDirectionId: z.string().nullable(),
  aestheticGrade: z.string().nullable(),
  itemIds: z.array(z.string()),
  items: z.array(NeighbourItemBody),
  cost,
  startedAt: z.string().nullable(),
});

export const ComparisonBody = z.object({ comparisonId: z.string(), contentItemId: z.string(), winnerId: z.string().nullable(), videos: z.array(NeighbourVideoBody) });
export const VideoDeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });
