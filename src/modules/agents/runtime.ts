/**
 * Which provider and model an agent runs on, and whether that provider
 * answers. One rule for deploys, pings and chat: the AI layer's
 * (src/infra/ai/choice.ts) with the agent's `provider` as the only settings:
 *   - the agent's `provider`, else `openai` when OPENAI_API_KEY is set, else `embedded`;
 *   - `openai` needs OPENAI_API_KEY (and uses OPENAI_BASE_URL); its model is
 *     the agent's, else OPENAI_CHAT_MODEL;
 *   - `embedded` needs EMBEDDED_AI (default on); its model is the agent's, else
 *     EMBEDDED_CHAT_MODEL.
 */
import type { Agent } from '../../generated/prisma/client.js';
import type { Config } from '../../config.js';
import { chooseLlm, isNoLlm } from '../../infra/ai/choice.js';
import { listOpenAiModels } from '../../infra/ai/models.js';
import type { ProviderName } from './inputs.js';

export const EMBEDDED_CHAT_MODEL = 'embedded-chat-v1';

export type AgentRuntime =
  | { provider: 'openai'; model: string; apiKey: string; baseURL: string | null }
  | { provider: 'embedded'; model: string };

export type RuntimeResolution = { ok: true; runtime: AgentRuntime } | { ok: false; provider: ProviderName; error: string };

export function resolveAgentRuntime(config: Config, agent: Pick<Agent, 'provider' | 'model'>): RuntimeResolution {
  const choice = chooseLlm(config, [agent.provider ? { provider: agent.provider, apiKey: null } : null]);
  if (isNoLlm(choice)) {
    // An agent's provider is validated on save (openai or embedded); nothing configured means the embedded fallback is off.
    return choice.unavailable === 'no_api_key'
      ? { ok: false, provider: 'openai', error: 'provider openai has no API key configured (set OPENAI_API_KEY)' }
      : { ok: false, provider: 'embedded', error: 'the embedded provider is disabled (EMBEDDED_AI=false)' };
  }
  if (choice.provider === 'openai') {
    return { ok: true, runtime: { provider: 'openai', model: agent.model ?? config.openai.chatModel, apiKey: choice.apiKey, baseURL: choice.baseURL } };
  }
  return { ok: true, runtime: { provider: 'embedded', model: agent.model ?? EMBEDDED_CHAT_MODEL } };
}

export interface ProviderCheck {
  ok: boolean;
  provider: ProviderName;
  model: string | null;
  latencyMs: number;
  /** Why the check failed (never the provider's own text). */
  error: string | null;
  /** For openai: whether the model is among the ones the provider lists. */
  modelAvailable: boolean | null;
}

/** A real check within AGENT_CHECK_TIMEOUT_MS: openai lists its models; embedded is up when enabled. */
export async function checkAgentProvider(config: Config, agent: Pick<Agent, 'provider' | 'model'>): Promise<ProviderCheck> {
  const started = performance.now();
  const resolved = resolveAgentRuntime(config, agent);
  if (!resolved.ok) {
    return { ok: false, provider: resolved.provider, model: agent.model, latencyMs: Math.round(performance.now() - started), error: resolved.error, modelAvailable: null };
  }
  const rt = resolved.runtime;
  if (rt.provider === 'embedded') {
    return { ok: true, provider: 'embedded', model: rt.model, latencyMs: Math.round(performance.now() - started), error: null, modelAvailable: true };
  }
  const listed = await listOpenAiModels(config, { apiKey: rt.apiKey, baseURL: rt.baseURL, timeoutMs: config.agentCheckTimeoutMs });
  if (!listed.ok) return { ok: false, provider: 'openai', model: rt.model, latencyMs: listed.latencyMs, error: listed.error, modelAvailable: null };
  const available = listed.models.includes(rt.model);
  return {
    ok: available,
    provider: 'openai',
    model: rt.model,
    latencyMs: listed.latencyMs,
    error: available ? null : `model ${rt.model} is not offered by the provider`,
    modelAvailable: available,
  };
}
