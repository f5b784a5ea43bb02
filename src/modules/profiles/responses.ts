/** The JSON bodies of the profile paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';
import { CostEstimateBody } from '../catalog/service.js';

const at = z.iso.datetime();
const usage = z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() });
const direction = z.object({ id: z.string(), title: z.string(), prompt: z.string() });

export const ProfileBody = z.object({
  id: z.string(),
  name: z.string(),
  influencerId: z.string().nullable(),
  niche: z.string().nullable(),
  description: z.string().nullable(),
  contentDirections: z.array(direction),
  voiceCorpusSize: z.number().int(),
  createdAt: at,
  updatedAt: at,
});
export const ProfileDeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });

export const VoiceStatsBody = z.object({
  profileId: z.string(),
  corpusSize: z.number().int(),
  bySource: z.object({ manual: z.number().int(), import: z.number().int(), approved: z.number().int() }),
  style: z.object({
    samples: z.number().int(),
    hashtags: z.array(z.string()),
    emoji: z.array(z.string()),
    phrases: z.array(z.string()),
    averageWords: z.number(),
    lowercaseShare: z.number(),
    exclamationShare: z.number(),
    questionShare: z.number(),
  }),
  recentSamples: z.array(z.object({ id: z.string(), text: z.string(), source: z.enum(['manual', 'import', 'approved']), createdAt: at })),
});
export const VoiceSamplesAddedBody = VoiceStatsBody.extend({ added: z.number().int().describe('How many of the texts were new') });

export const DraftedDirectionsBody = z.union([
  z.object({ profileId: z.string(), directions: z.array(direction), saved: z.boolean(), provider: z.string(), model: z.string(), usage }),
  CostEstimateBody,
]);
export const CaptionBody = z.union([z.object({ caption: z.string(), provider: z.string(), model: z.string(), usage, profileId: z.string() }), CostEstimateBody]);

export const MediaItemBody = z.object({
  id: z.string(),
  profileId: z.string(),
  kind: z.string().describe('image | video'),
  source: z.string().describe('generated | import | upload'),
  url: z.string().nullable(),
  external: z.boolean().describe('True when `url` points outside this server (imported media kept by reference)'),
  caption: z.string().nullable(),
  contentItemId: z.string().nullable(),
  externalId: z.string().nullable(),
  metadata: z.unknown().describe('JSON'),
  createdAt: at,
});
