/** OpenAI, or any OpenAI-compatible server, through the official SDK. */
import OpenAI, { toFile } from 'openai';
import { AppError } from '../../errors.js';
import type { AiProvider, GeneratedImage, ImageRequest } from './provider.js';

export class ProviderError extends AppError {
  override name = 'ProviderError';
  constructor(message: string) {
    super(message, { code: 'provider_error', httpStatus: 502, type: 'api_error' });
  }
}

export class OpenAiProvider implements AiProvider {
  readonly name = 'openai' as const;
  private readonly client: OpenAI;
  private readonly imageModel: string;

  constructor(opts: { apiKey: string; baseURL: string | null; imageModel: string }) {
    this.client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL ?? undefined, maxRetries: 1, timeout: 120_000 });
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
      const status = err instanceof OpenAI.APIError ? ` (status ${err.status ?? 'none'})` : '';
      throw new ProviderError(`The image provider failed${status}`);
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
