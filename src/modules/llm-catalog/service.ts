/**
 * EvalStudio's LLM catalog and server status. The catalog is offline: the
 * chat models an OpenAI-compatible provider is commonly configured with
 * (any other model name works too), and the embedded provider's models.
 */
import { projectVersion } from '../../paths.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { EMBEDDED_CHAT_MODEL } from '../agents/service.js';
import { EMBEDDED_JUDGE_MODEL, EMBEDDED_USER_MODEL } from '../evals/service.js';

export const PROVIDER_TYPES = ['openai', 'embedded'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

const MODELS: Record<ProviderType, string[]> = {
  openai: ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o3-mini', 'o4-mini'],
  embedded: [EMBEDDED_USER_MODEL, EMBEDDED_JUDGE_MODEL, EMBEDDED_CHAT_MODEL],
};

export function allModels(ctx: ServiceContext): Record<ProviderType, string[]> {
  requireScope(ctx, 'eval:read');
  return { openai: [...MODELS.openai], embedded: [...MODELS.embedded] };
}

export function providerModels(ctx: ServiceContext, providerType: string): string[] {
  requireScope(ctx, 'eval:read');
  if (!(PROVIDER_TYPES as readonly string[]).includes(providerType)) throw new ValidationError('Invalid provider type', 'providerType', 'invalid_provider_type');
  return [...MODELS[providerType as ProviderType]];
}

const version = projectVersion;

/** GET /api/status: public, like a health check. */
export function status() {
  return { name: 'personagraph', version, status: 'ok', timestamp: new Date().toISOString(), node: process.version };
}
