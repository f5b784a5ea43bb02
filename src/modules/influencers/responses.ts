/** The JSON bodies of the influencer, character, preview and collaboration paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';
import { CostEstimateBody } from '../catalog/service.js';
import { REFERENCE_VIEWS, WardrobeItem } from './inputs.js';

const at = z.iso.datetime();
const cost = z.object({ currency: z.literal('USD'), totalMicros: z.number().int(), total: z.number() });
const cloneStatus = z.enum(['none', 'pending', 'ready']);

export const ReferenceBody = z.object({
  view: z.enum(REFERENCE_VIEWS),
  mediaId: z.string(),
  url: z.string(),
  source: z.enum(['upload', 'media', 'generated']),
});

export const InfluencerBody = z.object({
  id: z.string(),
  name: z.string(),
  handle: z.string().nullable(),
  bio: z.string().nullable(),
  niche: z.string().nullable(),
  basePrompt: z.string().nullable(),
  aestheticGrade: z.string().nullable(),
  wardrobe: z.array(WardrobeItem),
  ingredients: z.record(z.string(), z.unknown()).describe('The ingredient library (JSON, merge-patched)'),
  references: z.array(ReferenceBody),
  voice: z.object({ cloneStatus, voiceId: z.string().nullable(), sampleCount: z.number().int(), totalDuration: z.number().describe('Seconds'), provider: z.literal('embedded') }),
  personaId: z.string().nullable(),
  createdAt: at,
  updatedAt: at,
});
export const DeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });

export const ReferencePackBody = z.object({
  id: z.string().describe('The job id'),
  influencerId: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  done: z.number().int(),
  total: z.number().int(),
  views: z.array(ReferenceBody),
  error: z.string().nullable(),
  cost,
  createdAt: at,
  finishedAt: at.nullable(),
});
export const ReferencePackOrEstimateBody = z.union([ReferencePackBody, CostEstimateBody]);

export const PhotoAnalysisOrEstimateBody = z.union([
  z.object({ basePrompt: z.string(), wardrobe: z.array(WardrobeItem), attributes: z.record(z.string(), z.unknown()), provider: z.enum(['openai', 'embedded']), model: z.string() }),
  CostEstimateBody,
]);

const voiceSample = z.object({
  id: z.string(),
  audioUrl: z.string(),
  mediaId: z.string(),
  duration: z.number().nullable().describe('Seconds; null where it cannot be read from the file'),
  size: z.number().int(),
  contentType: z.string(),
  createdAt: at,
});
export const VoiceProfileBody = z.object({
  influencerId: z.string(),
  samples: z.array(voiceSample),
  sampleCount: z.number().int(),
  totalDuration: z.number(),
  cloneStatus,
  voiceId: z.string().nullable(),
  provider: z.literal('embedded'),
  rule: z.string().describe('When the clone is ready'),
  note: z.string().nullable(),
});
export const VoiceSamplesAddedBody = z.object({ added: z.array(voiceSample), voiceProfile: VoiceProfileBody });

export const WardrobeOrEstimateBody = z.union([
  z.object({ items: z.array(WardrobeItem), wardrobe: z.array(WardrobeItem), provider: z.string(), model: z.string() }),
  CostEstimateBody,
]);
export const IngredientsBody = z.object({ influencerId: z.string(), ingredients: z.record(z.string(), z.unknown()), updatedAt: at });

export const PreviewBody = z.object({
  id: z.string(),
  influencerId: z.string().nullable(),
  status: z.string().describe('queued | running | completed | failed'),
  count: z.number().int(),
  done: z.number().int(),
  spec: z.object({ name: z.string().nullable(), basePrompt: z.string().nullable(), aestheticGrade: z.string().nullable(), niche: z.string().nullable() }),
  images: z.array(z.object({ mediaId: z.string(), url: z.string() })),
  error: z.string().nullable(),
  cost: cost.optional().describe('On GET /api/v1/previews/{id}'),
  createdAt: at,
  updatedAt: at,
});
export const PreviewOrEstimateBody = z.union([PreviewBody, CostEstimateBody]);

export const CollaborationBody = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  influencerIds: z.array(z.string()),
  influencers: z.array(z.object({ id: z.string(), name: z.string(), handle: z.string().nullable(), position: z.number().int() })),
  createdAt: at,
});
