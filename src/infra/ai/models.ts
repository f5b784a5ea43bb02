/**
 * Reachability of an OpenAI-compatible provider: lists its models through the
 * openai SDK within a time bound. Used by agent deploys (is the model
 * offered?) and pings (does the provider answer?). Never passes the
 * provider's own error text on (it may echo the key).
 */
import OpenAI from 'openai';
import { openAiClient, outboundRefusal, type LlmOutboundConfig } from './client.js';

export type ModelListResult =
  | { ok: true; models: string[]; latencyMs: number }
  | { ok: false; error: string; latencyMs: number };

export async function listOpenAiModels(config: LlmOutboundConfig, opts: { apiKey: string; baseURL: string | null; timeoutMs: number }): Promise<ModelListResult> {
  const client = openAiClient(config, { apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs });
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const models: string[] = [];
    for await (const m of client.models.list()) {
      models.push(m.id);
      if (models.length >= 10_000) break;
    }
    return { ok: true, models, latencyMs: elapsed() };
  } catch (err) {
    const refused = outboundRefusal(err);
    if (refused) return { ok: false, error: `the provider's address was refused: ${refused.message.replace(/^refused: /, '')}`, latencyMs: elapsed() };
    if (err instanceof OpenAI.APIConnectionTimeoutError) return { ok: false, error: `the provider did not answer within ${opts.timeoutMs} ms`, latencyMs: elapsed() };
    if (err instanceof OpenAI.APIConnectionError) return { ok: false, error: 'the provider could not be reached', latencyMs: elapsed() };
    if (err instanceof OpenAI.APIError && (err.status === 401 || err.status === 403)) {
      return { ok: false, error: 'the provider rejected the API key', latencyMs: elapsed() };
    }
    if (err instanceof OpenAI.APIError && err.status) return { ok: false, error: `the provider answered status ${err.status}`, latencyMs: elapsed() };
    return { ok: false, error: 'the provider check failed', latencyMs: elapsed() };
  }
}
