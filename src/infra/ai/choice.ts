/**
 * Which AI provider serves a request: the one rule for text, chat, images and
 * video, written only here.
 *
 * Settings come in layers, most specific first (an agent's provider; a
 * project's llmSettings, then the workspace's). The first layer that names a
 * provider decides:
 *   - `embedded` (offline, deterministic): only while EMBEDDED_AI is on;
 *   - `openai` (or any OpenAI-compatible server): its key, else the next
 *     layer's OpenAI key (with that layer's base URL), else OPENAI_API_KEY;
 *     its base URL, else OPENAI_BASE_URL;
 *   - anything else is not supported.
 * No layer naming one: OpenAI when OPENAI_API_KEY is set, else embedded when
 * enabled. The chosen layer's `models` go with the choice; each capability
 * picks its model from them (provider.ts, agents/runtime.ts, evals/llm.ts).
 */
import { ValidationError } from '../../errors.js';

/** LLM settings as a project or workspace stores them (the key already decrypted); an agent's provider is a layer too. */
export interface LlmSettings {
  provider: string;
  apiKey: string | null;
  baseUrl?: string | null;
  models?: Record<string, string> | null;
}

export type LlmLayer = LlmSettings | null | undefined;

/** What the rule reads of the server config. */
export interface LlmChoiceConfig {
  openai: { apiKey: string | null; baseURL: string | null };
  embeddedAi: boolean;
}

export type LlmChoice =
  | { provider: 'openai'; apiKey: string; baseURL: string | null; models: Record<string, string> | null }
  | { provider: 'embedded'; models: Record<string, string> | null };

/**
 * Why no provider serves: the named one is `embedded` and it is disabled, or
 * `openai` without a key anywhere, or a provider this server does not know;
 * or (`none`) nothing is named, configured or enabled.
 */
export interface NoLlm {
  unavailable: 'embedded_disabled' | 'no_api_key' | 'unsupported' | 'none';
  provider: string | null;
}

export function chooseLlm(config: LlmChoiceConfig, layers: LlmLayer[]): LlmChoice | NoLlm {
  const chosen = layers.find((s) => s?.provider);
  if (!chosen) {
    const { apiKey, baseURL } = config.openai;
    if (apiKey) return { provider: 'openai', apiKey, baseURL, models: null };
    return config.embeddedAi ? { provider: 'embedded', models: null } : { unavailable: 'none', provider: null };
  }
  if (chosen.provider === 'embedded') {
    return config.embeddedAi ? { provider: 'embedded', models: chosen.models ?? null } : { unavailable: 'embedded_disabled', provider: 'embedded' };
  }
  if (chosen.provider !== 'openai') return { unavailable: 'unsupported', provider: chosen.provider };
  // A layer that names OpenAI without a key of its own uses the next layer's OpenAI key (and base URL), then OPENAI_API_KEY.
  const inherited = layers.slice(layers.indexOf(chosen) + 1).find((s) => s?.provider === 'openai' && s.apiKey);
  const apiKey = chosen.apiKey ?? inherited?.apiKey ?? config.openai.apiKey;
  if (!apiKey) return { unavailable: 'no_api_key', provider: 'openai' };
  const baseURL = chosen.baseUrl ?? (chosen.apiKey ? null : inherited?.baseUrl) ?? config.openai.baseURL;
  return { provider: 'openai', apiKey, baseURL, models: chosen.models ?? null };
}

export const isNoLlm = (c: LlmChoice | NoLlm): c is NoLlm => 'unavailable' in c;

/** The provider that serves a request without tenant settings (feature flags, video), or null. */
export function serverProvider(config: LlmChoiceConfig): 'openai' | 'embedded' | null {
  const choice = chooseLlm(config, []);
  return isNoLlm(choice) ? null : choice.provider;
}

/**
 * The 400 for a request no provider can serve. Two wordings are kept as
 * clients have seen them: an unknown provider is "not OpenAI" for images and
 * "not supported" for text; with nothing configured, text read from tenant
 * settings names `llmSettings`, the rest no field.
 */
export function noLlmError(no: NoLlm, use: { unsupported: 'images' | 'text'; noneField: string | null }): ValidationError {
  switch (no.unavailable) {
    case 'embedded_disabled':
      return new ValidationError('No LLM provider configured', 'llmSettings', 'no_llm_provider');
    case 'no_api_key':
      return new ValidationError('No LLM provider configured', 'llmSettings.apiKey', 'no_llm_provider');
    case 'unsupported':
      return use.unsupported === 'images'
        ? new ValidationError('LLM provider is not OpenAI', 'llmSettings.provider', 'llm_provider_not_openai')
        : new ValidationError(`LLM provider "${no.provider}" is not supported (use openai or embedded)`, 'llmSettings.provider', 'llm_provider_unsupported');
    case 'none':
      return new ValidationError('No LLM provider configured', use.noneField, 'no_llm_provider');
  }
}
