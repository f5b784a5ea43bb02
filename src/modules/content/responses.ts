/** The JSON bodies of the content paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';
import { CostEstimateBody } from '../catalog/service.js';

const at = z.iso.datetime();
const providerModel = z.object({ provider: z.string(), model: z.string() });

export const VideoBody = z.object({
  id: z.string(),
  contentItemId: z.string(),
  status: z.string().describe('queued | rendering | ready | failed'),
  variant: z.string().nullable(),
  comparisonId: z.string().nullable(),
  winner: z.boolean().describe('Chosen as its comparison’s winner'),
  motion: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  prompt: z.string().nullable(),
  provider: z.string().nullable(),
  url: z.string().nullable().describe('The rendered video (GET /api/v1/media/{id}); null until ready'),
  contentType: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: at,
  updatedAt: at,
});

export const ContentItemBody = z.object({
  id: z.string(),
  batchId: z.string().nullable(),
  position: z.number().int(),
  profileId: z.string(),
  influencerId: z.string().nullable(),
  status: z.string().describe('generating | pending_review | approved | rejected | scheduled | publishing | published | publish_failed | failed'),
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
    caption: providerModel.extend({ instructions: z.string().nullable().optional().describe('A fine-tuned caption: the instructions it followed (null: none given)') }).nullable(),
    regenerations: z.number().int(),
  }),
  videos: z.array(VideoBody),
  createdAt: at,
  updatedAt: at,
});
export const ContentItemDeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });

const cost = z.object({ currency: z.literal('USD'), totalMicros: z.number().int(), total: z.number() });

export const BatchBody = z.object({
  id: z.string(),
  profileId: z.string(),
  status: z.string().describe('generating | completed | partial | failed | cancelled'),
  count: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  progress: z.number().int().describe('Percent of items finished'),
  prompt: z.string().nullable(),
  contentDirectionId: z.string().nullable(),
  aestheticGrade: z.string().nullable(),
  error: z.string().nullable(),
  itemIds: z.array(z.string()),
  items: z.array(ContentItemBody),
  cost,
  createdAt: at,
  startedAt: at.nullable(),
  finishedAt: at.nullable(),
});

export const ComparisonBody = z.object({ comparisonId: z.string(), contentItemId: z.string(), videos: z.array(VideoBody) });

/** Billable POSTs: the result, or with dryRun the cost estimate. */
export const GenerateBody = z.union([BatchBody, CostEstimateBody]);
export const ItemOrEstimateBody = z.union([ContentItemBody, CostEstimateBody]);
export const VideoOrEstimateBody = z.union([VideoBody, CostEstimateBody]);
export const ComparisonOrEstimateBody = z.union([ComparisonBody, CostEstimateBody]);
