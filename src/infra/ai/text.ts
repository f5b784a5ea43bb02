/**
 * One-shot text generation (captions, content directions, wardrobes, photo
 * analysis, EvalStudio's simulated user and judge), the third capability of
 * the AI provider layer.
 *
 * `AiProviders.forText()` answers, for the provider choice.ts chooses, either
 * an OpenAI backend (any OpenAI-compatible server; images are sent as data
 * URLs for vision) or
 * `{ kind: 'embedded' }`: the offline provider has no general language model,
 * so each feature composes its embedded result itself, deterministically,
 * from its inputs (profile voice corpus, influencer fields, image pixels) and
 * labels it `embedded`. Usage is the provider's, else counted with the tokenizer.
 */
import type OpenAI from 'openai';
import { countTokens } from './chat.js';
import { openAiClient, type LlmOutboundConfig } from './client.js';
import { ProviderError, providerFailure } from './openai.js';

export interface TextRequest {
  system: string;
  prompt: string;
  /** Images the model should look at (vision). */
  images?: { bytes: Buffer; contentType: string }[];
  /** Ask for a JSON object (response_format json_object); the text is then JSON. */
  json?: boolean;
  maxTokens?: number;
  /** Sampling temperature (0–2); the provider's default when omitted. */
  temperature?: number;
  signal?: AbortSignal;
}

export interface TextResult {
  text: string;
  provider: 'openai';
  model: string;
  usage: { promptTokens: number; completionTokens: number };
}

export interface OpenAiText {
  kind: 'openai';
  model: string;
  complete(req: TextRequest): Promise<TextResult>;
}

export type TextBackend = OpenAiText | { kind: 'embedded'; model: string };

export const EMBEDDED_TEXT_MODEL = 'embedded-composer-v1';

export function openAiText(config: LlmOutboundConfig, opts: { apiKey: string; baseURL: string | null; model: string }): OpenAiText {
  const client = openAiClient(config, { apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 1, timeout: 120_000 });
  return {
    kind: 'openai',
    model: opts.model,
    async complete(req) {
      const user: OpenAI.Chat.ChatCompletionContentPart[] = [
        { type: 'text', text: req.prompt },
        ...(req.images ?? []).map((img) => ({
          type: 'image_url' as const,
          image_url: { url: `data:${img.contentType};base64,${img.bytes.toString('base64')}` },
        })),
      ];
      let res: OpenAI.Chat.ChatCompletion;
      try {
        res = await client.chat.completions.create(
          {
            model: opts.model,
            messages: [
              { role: 'system', content: req.system },
              { role: 'user', content: req.images?.length ? user : req.prompt },
            ],
            ...(req.json ? { response_format: { type: 'json_object' as const } } : {}),
            ...(req.maxTokens ? { max_tokens: req.maxTokens } : {}),
            ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          },
          { signal: req.signal },
        );
      } catch (err) {
        throw providerFailure(err, { request: 'text request', provider: 'LLM provider' });
      }
      const text = res.choices?.[0]?.message?.content;
      if (typeof text !== 'string' || !text.trim()) throw new ProviderError('The LLM provider returned no text');
      if (req.json) {
        try {
          JSON.parse(text);
        } catch {
          throw new ProviderError('The LLM provider returned malformed JSON');
        }
      }
      return {
        text,
        provider: 'openai',
        model: res.model || opts.model,
        usage: res.usage
          ? { promptTokens: res.usage.prompt_tokens, completionTokens: res.usage.completion_tokens }
          : { promptTokens: countTokens(req.system) + countTokens(req.prompt), completionTokens: countTokens(text) },
      };
    },
  };
}
