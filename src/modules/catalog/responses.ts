/** The JSON bodies of the config catalogs (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

const provider = z.enum(['openai', 'embedded']).nullable();

export const FeatureFlagsBody = z.object({
  providers: z.object({ text: provider, images: provider, video: provider }),
  embeddedAi: z.boolean(),
  contentGeneration: z.boolean(),
  videoGeneration: z.boolean(),
  referencePacks: z.boolean(),
  previews: z.boolean(),
  photoAnalysis: z.boolean(),
  voiceCloning: z.boolean(),
  collaborations: z.boolean(),
  dryRun: z.boolean(),
  webhooks: z.boolean(),
  publishing: z.object({ platforms: z.array(z.string()), import: z.array(z.string()), instagramImport: z.boolean(), publicMediaLinks: z.boolean() }),
  redis: z.boolean(),
});

export const PricingBody = z.object({
  currency: z.literal('USD'),
  unit: z.literal('micro-dollars'),
  version: z.string(),
  rates: z.array(z.object({ action: z.string(), unit: z.string(), description: z.string(), priceMicros: z.object({ openai: z.number(), embedded: z.number() }) })),
});

export const AestheticGradeListBody = z.array(
  z.object({ id: z.string(), name: z.string(), description: z.string(), promptSuffix: z.string(), avoid: z.array(z.string()), palette: z.array(z.string()) }),
);

/** The body of a billable POST sent with `dryRun: true`: what it would cost; nothing is made. */
export const CostEstimateBody = z.object({
  dryRun: z.literal(true),
  currency: z.literal('USD'),
  totalMicros: z.number().int(),
  total: z.number().describe('In dollars, rounded to 6 places'),
  rateTableVersion: z.string(),
  lines: z.array(z.object({ action: z.string(), quantity: z.number(), provider: z.enum(['openai', 'embedded']), unitMicros: z.number().int(), totalMicros: z.number().int() })),
});
