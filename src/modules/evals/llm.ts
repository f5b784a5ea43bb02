/**
 * Which language model plays the simulated user and which one judges: the
 * provider by the AI layer's one rule (src/infra/ai/choice.ts) over the
 * project's llmSettings, then the workspace's, then the server's. Models: for
 * the simulated user the persona's config.model, else llmSettings.models.persona,
 * else models.evaluation; for the judge models.evaluation; else OPENAI_CHAT_MODEL.
 */
import type { ServiceContext } from '../../context.js';
import type { TextBackend } from '../../infra/ai/text.js';
import { llmSettingsChain } from '../projects/service.js';

export type EvalLlm = TextBackend;

export const EMBEDDED_USER_MODEL = 'embedded-simulated-user-v1';
export const EMBEDDED_JUDGE_MODEL = 'embedded-judge-v1';

export async function evalLlm(ctx: ServiceContext, projectId: string, role: 'persona' | 'evaluation', modelOverride?: string | null): Promise<EvalLlm> {
  const chain = await llmSettingsChain(ctx, projectId);
  return ctx.deps.ai.forText(chain, {
    model: (models) => (role === 'persona' ? (modelOverride ?? models?.persona ?? models?.evaluation) : models?.evaluation),
    embedded: role === 'persona' ? EMBEDDED_USER_MODEL : EMBEDDED_JUDGE_MODEL,
  });
}
