/**
 * AutoPersonas' config catalogs: the feature flags in force in this
 * environment, the rate table costs are recorded by, and the aesthetic grades.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { serverProvider } from '../../infra/ai/choice.js';
import { AESTHETIC_GRADES, type AestheticGrade } from './aesthetic-grades.js';
import { RATES, RATE_TABLE_VERSION, type Rate } from './pricing.js';

/** What other modules use of the catalog (grades, cost estimates and records), from this entry file only. */
export { AESTHETIC_GRADES, findGrade, type AestheticGrade } from './aesthetic-grades.js';
export { estimate, recordCosts, type CostEstimate, type CostLine } from './pricing.js';
/** The dryRun body of every billable POST, for other modules' response schemas. */
export { CostEstimateBody } from './responses.js';

export interface FeatureFlags {
  /** Which provider generates text, images and video here. */
  providers: { text: 'openai' | 'embedded' | null; images: 'openai' | 'embedded' | null; video: 'openai' | 'embedded' | null };
  embeddedAi: boolean;
  contentGeneration: boolean;
  videoGeneration: boolean;
  referencePacks: boolean;
  previews: boolean;
  photoAnalysis: boolean;
  voiceCloning: boolean;
  collaborations: boolean;
  dryRun: boolean;
  /** Signed outbound webhooks (/api/v1/webhooks). */
  webhooks: boolean;
  /** Platforms accounts can connect to, and which of them imports work for. */
  publishing: { platforms: string[]; import: string[]; instagramImport: boolean; publicMediaLinks: boolean };
  /** Multi-process features: shared pubsub and rate limits. */
  redis: boolean;
}

export function featureFlags(ctx: ServiceContext): FeatureFlags {
  requireScope(ctx, 'character:read');
  const { config } = ctx.deps;
  const provider = serverProvider(config);
  const on = provider !== null;
  return {
    providers: { text: provider, images: provider, video: provider },
    embeddedAi: config.embeddedAi,
    contentGeneration: on,
    videoGeneration: on,
    referencePacks: on,
    previews: on,
    photoAnalysis: on,
    voiceCloning: true,
    collaborations: true,
    dryRun: true,
    webhooks: true,
    // Instagram import is gated until Meta grants the scope (seed 001); platforms that pull media need PUBLIC_BASE_URL.
    publishing: { platforms: ['sandbox', 'webhook', 'x', 'tiktok', 'instagram'], import: ['x', 'tiktok'], instagramImport: false, publicMediaLinks: config.publicBaseUrl !== null },
    redis: config.redisUrl !== null,
  };
}

export function pricing(ctx: ServiceContext): { currency: 'USD'; unit: 'micro-dollars'; version: string; rates: readonly Rate[] } {
  requireScope(ctx, 'character:read');
  return { currency: 'USD', unit: 'micro-dollars', version: RATE_TABLE_VERSION, rates: RATES };
}

export function aestheticGrades(ctx: ServiceContext): readonly AestheticGrade[] {
  requireScope(ctx, 'character:read');
  return AESTHETIC_GRADES;
}
