/** OpenAI, or any OpenAI-compatible server, through the official SDK. */
import OpenAI, { toFile } from 'openai';
import { AppError, ValidationError } from '../../errors.js';
import { openAiClient, outboundRefusal, type LlmOutboundConfig } from './client.js';
import type { AiProvider, GeneratedImage, ImageRequest } from './provider.js';

export class ProviderError extends AppError {
  override name = 'ProviderError';
  constructor(message: string) {
    super(message, { code: 'provider_error', httpStatus: 502, type: 'api_error' });
  }
}

/**
 * One mapping of SDK failures, for images and chat alike: what the user can
 * fix in their settings is a 400 that says so; the provider's own message
 * (which may echo the key) is never passed on. Anything else is the
 * provider's failure: 502.
 */
export function providerFailure(err: unknown, label: { request: string; provider: string }): AppError {
  // The outbound guard refused the provider's address (at connect time: what the name resolved to, or a redirect).
  const refused = outboundRefusal(err);
  if (refused) return new ValidationError(`The LLM provider's address was refused: ${refused.message.replace(/^refused: /, '')}`, 'llmSettings.baseUrl', 'llm_base_url_refused');
  const status = err instanceof OpenAI.APIError ? err.status : undefined;
  if (status === 401 || status === 403) {
    return new ValidationError('The LLM provider rejected the API key', 'llmSettings.apiKey', 'llm_provider_auth_failed');
  }
  if (status === 400 || status === 404 || status === 422) {
    return new ValidationError(`The LLM provider rejected the ${label.request} (status ${status})`, 'llmSettings', 'llm_provider_rejected');
  }
  return new ProviderError(`The ${label.provider} failed${status ? ` (status ${status})` : ''}`);
}

export class OpenAiProvider implements AiProvider {
  readonly name = 'openai' as const;
  private readonly client: OpenAI;
  private readonly imageModel: string;

  constructor(config: LlmOutboundConfig, opts: { apiKey: string; baseURL: string | null; imageModel: string }) {
    this.client = openAiClient(config, { apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 1, timeout: 120_000 });
    this.imageModel = opts.imageModel;
  }

  async generateImage(req: ImageRequest): Promise<GeneratedImage> {
    const refs = req.styleReferences ?? [];
    let response: OpenAI.Images.ImagesResponse;
    try {
      response = refs.length
        ? await this.client.images.edit({
            model: this.imageModel,
            prompt: req.prompt,
            image: await Promise.all(refs.map((r) => toFile(r.bytes, r.filename, { type: r.contentType }))),
            size: '1024x1024',
          })
        : await this.client.images.generate({ model: this.imageModel, prompt: req.prompt, size: '1024x1024', n: 1 });
    } catch (err) {
      throw providerFailure(err, { request: 'image request', provider: 'image provider' });
    }
    const b64 = response.data?.[0]?.b64_json;
    if (!b64) throw new ProviderError('The image provider returned no image data');
    return {
      bytes: Buffer.from(b64, 'base64'),
      contentType: 'image/png',
      metadata: { provider: 'openai', model: this.imageModel, styleReferences: refs.length },
    };
  }
}
