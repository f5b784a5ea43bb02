/**
 * Which language model plays the simulated user and which one judges: the
 * project's llmSettings, else the workspace's, else OPENAI_API_KEY, else the
 * embedded (offline, deterministic) provider. Models: for the simulated user
 * the persona's config.model, else llmSettings.models.persona, else
 * models.evaluation; for the judge models.evaluation; else OPENAI_CHAT_MODEL.
 */
import type { ServiceContext } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { openAiText, type OpenAiText } from '../../infra/ai/text.js';
import { llmSettingsChain } from '../projects/service.js';

export type EvalLlm = { kind: 'openai'; text: OpenAiText; model: string } | { kind: 'embedded'; model: string };

export const EMBEDDED_USER_MODEL = 'embedded-simulated-user-v1';
export const EMBEDDED_JUDGE_MODEL = 'embedded-judge-v1';

export async function evalLlm(ctx: ServiceContext, projectId: string, role: 'persona' | 'evaluation', modelOverride?: string | null): Promise<EvalLlm> {
  const { config } = ctx.deps;
  const chain = await llmSettingsChain(ctx, projectId);
  const chosen = chain.find((s) => s?.provider);
  const embedded = (): EvalLlm => {
    if (!config.embeddedAi) throw new ValidationError('No LLM provider configured', 'llmSettings', 'no_llm_provider');
    return { kind: 'embedded', model: role === 'persona' ? EMBEDDED_USER_MODEL : EMBEDDED_JUDGE_MODEL };
  };
  const pickModel = (models: Record<string, string> | null | undefined) =>
    (role === 'persona' ? (modelOverride ?? models?.persona ?? models?.evaluation) : models?.evaluation) ?? config.openai.chatModel;
  if (chosen) {
    if (chosen.provider === 'embedded') return embedded();
    if (chosen.provider !== 'openai') {
      throw new ValidationError(`LLM provider "${chosen.provider}" is not supported (use openai or embedded)`, 'llmSettings.provider', 'llm_provider_unsupported');
    }
    const inherited = chain.slice(chain.indexOf(chosen) + 1).find((s) => s?.provider === 'openai' && s.apiKey);
    const apiKey = chosen.apiKey ?? inherited?.apiKey ?? config.openai.apiKey;
    if (!apiKey) throw new ValidationError('No LLM provider configured', 'llmSettings.apiKey', 'no_llm_provider');
    const baseURL = chosen.baseUrl ?? (chosen.apiKey ? null : inherited?.baseUrl) ?? config.openai.baseURL;
    const model = pickModel(chosen.models);
    return { kind: 'openai', text: openAiText(config, { apiKey, baseURL: baseURL ?? null, model }), model };
  }
  if (config.openai.apiKey) {
    const model = pickModel(null);
    return { kind: 'openai', text: openAiText(config, { apiKey: config.openai.apiKey, baseURL: config.openai.baseURL, model }), model };
  }
  return embedded();
}
