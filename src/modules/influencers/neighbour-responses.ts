/** Response schema (zod) of POST /api/v1/previews/:id/influencer (issue 20): the influencer body. */
import { z } from 'zod';

const at = z.iso.datetime();

export const InfluencerFromPreviewBody = z.object({
  id: z.string(),
  name: z.string(),
  handle: z.string().nullable(),
  bio: z.string().nullable(),
  niche: z.string().nullable(),
  basePrompt: z.string().nullable(),
  aestheticGrade: z.string().nullable(),
  wardrobe: z.array(z.object({ name: z.string() }).loose()),
  ingredients: z.record(z.string(), z.unknown()),
  references: z.array(z.object({ view: z.string(), mediaId: z.string(), url: z.string(), source: z.string() })),
  voice: z.object({ cloneStatus: z.string(), voiceId: z.string().nullable(), sampleCount: z.number().int(), totalDuration: z.number(), provider: z.string() }),
  personaId: z.string().nullable(),
  createdAt: at,
  updatedAt: at,
});
