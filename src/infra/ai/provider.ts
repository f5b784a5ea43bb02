/**
 * The AI provider layer: one interface, two implementations. `openai` talks to
 * OpenAI or any OpenAI-compatible server through the openai SDK; `embedded`
 * runs offline and deterministically, and labels everything it makes.
 */
import { ValidationError } from '../../errors.js';
import type { OutboundPolicy } from '../safe-fetch.js';
import { EmbeddedProvider } from './embedded.js';
import { OpenAiProvider } from './openai.js';
import { EMBEDDED_TEXT_MODEL, openAiText, type TextBackend } from './text.js';

export interface GeneratedImage {
  bytes: Buffer;
  contentType: string;
  /** Always includes `provider` and `model`, so a reader can tell what made it. */
  metadata: { provider: 'openai' | 'embedded'; model: string; [key: string]: unknown };
}

export interface ImageRequest {
  prompt: string;
  /** Images whose style the result should follow (PNG/JPEG/WebP bytes). */
  styleReferences?: { bytes: Buffer; contentType: string; filename: string }[];
}

export interface AiProvider {
  readonly name: 'openai' | 'embedded';
  generateImage(req: ImageRequest): Promise<GeneratedImage>;
}

/** LLM settings as a project or workspace stores them (the key already decrypted). */
export interface LlmSettings {
  provider: string;
  apiKey: string | null;
  baseUrl?: string | null;
  models?: Record<string, string> | null;
}

export interface AiConfig {
  openai: { apiKey: string | null; baseURL: string | null; imageModel: string; chatModel: string };
  embeddedAi: boolean;
  /** Where model servers may be (see client.ts). */
  outbound: OutboundPolicy;
}

export class AiProviders {
  constructor(private readonly config: AiConfig) {}

  /**
   * The image provider for the first settings that name one (project, then
   * workspace), else OPENAI_API_KEY, else the embedded provider if enabled.
   */
  forImages(settings: (LlmSettings | null | undefined)[]): AiProvider {
    const chosen = settings.find((s) => s?.provider);
    if (chosen) {
      if (chosen.provider === 'embedded') {
        if (!this.config.embeddedAi) throw new ValidationError('No LLM provider configured', 'llmSettings', 'no_llm_provider');
        return new EmbeddedProvider();
      }
      if (chosen.provider !== 'openai') {
        throw new ValidationError('LLM provider is not OpenAI', 'llmSettings.provider', 'llm_provider_not_openai');
      }
      // A project that names OpenAI without a key of its own uses the next
      // layer's OpenAI key (the workspace's), then OPENAI_API_KEY.
      const inherited = settings.slice(settings.indexOf(chosen) + 1).find((s) => s?.provider === 'openai' && s.apiKey);
      const apiKey = chosen.apiKey ?? inherited?.apiKey ?? this.config.openai.apiKey;
      if (!apiKey) throw new ValidationError('No LLM provider configured', 'llmSettings.apiKey', 'no_llm_provider');
      return new OpenAiProvider(this.config, {
        apiKey,
        baseURL: chosen.baseUrl ?? (chosen.apiKey ? null : inherited?.baseUrl) ?? this.config.openai.baseURL,
        imageModel: chosen.models?.image ?? this.config.openai.imageModel,
      });
    }
    if (this.config.openai.apiKey) {
      return new OpenAiProvider(this.config, {
        apiKey: this.config.openai.apiKey,
        baseURL: this.config.openai.baseURL,
        imageModel: this.config.openai.imageModel,
      });
    }
    if (this.config.embeddedAi) return new EmbeddedProvider();
    throw new ValidationError('No LLM provider configured', null, 'no_llm_provider');
  }

  /** Text generation: OpenAI when OPENAI_API_KEY is set, else the embedded composer (see text.ts). */
  forText(): TextBackend {
    const { apiKey, baseURL, chatModel } = this.config.openai;
    if (apiKey) return openAiText(this.config, { apiKey, baseURL, model: chatModel });
    if (this.config.embeddedAi) return { kind: 'embedded', model: EMBEDDED_TEXT_MODEL };
    throw new ValidationError('No LLM provider configured', null, 'no_llm_provider');
  }
}
