/**
 * The AI provider layer: one interface per capability, two implementations.
 * `openai` talks to OpenAI or any OpenAI-compatible server through the openai
 * SDK (every client built by client.ts, behind the outbound guard);
 * `embedded` runs offline and deterministically, and labels everything it
 * makes. Which of the two serves a request is choice.ts's rule; this class
 * builds the chosen capability (`deps.ai`).
 */
import type { OutboundPolicy } from '../safe-fetch.js';
import { OpenAiChat, type ChatProvider } from './chat.js';
import { EmbeddedChat } from './chat-embedded.js';
import { chooseLlm, isNoLlm, noLlmError, type LlmLayer } from './choice.js';
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

export interface AiConfig {
  openai: { apiKey: string | null; baseURL: string | null; imageModel: string; chatModel: string };
  embeddedAi: boolean;
  /** Where model servers may be (see client.ts). */
  outbound: OutboundPolicy;
}

/** How a text caller names its model: from the chosen settings' `models` (else OPENAI_CHAT_MODEL), and the embedded label. */
export interface TextModels {
  model?: (models: Record<string, string> | null) => string | null | undefined;
  embedded?: string;
}

export class AiProviders {
  constructor(private readonly config: AiConfig) {}

  /**
   * The image provider for the settings layers (project, then workspace;
   * none: the server's own), by choice.ts's rule; the model is the chosen
   * settings' `models.image`, else OPENAI_IMAGE_MODEL.
   */
  forImages(layers: LlmLayer[]): AiProvider {
    const choice = chooseLlm(this.config, layers);
    if (isNoLlm(choice)) throw noLlmError(choice, { unsupported: 'images', noneField: null });
    if (choice.provider === 'embedded') return new EmbeddedProvider();
    return new OpenAiProvider(this.config, { apiKey: choice.apiKey, baseURL: choice.baseURL, imageModel: choice.models?.image ?? this.config.openai.imageModel });
  }

  /**
   * One-shot text for the settings layers (none: the server's own, as captions,
   * directions and wardrobes use it; a project's chain: EvalStudio's simulated
   * user and judge). See text.ts for what the embedded backend is.
   */
  forText(layers: LlmLayer[] = [], models: TextModels = {}): TextBackend {
    const choice = chooseLlm(this.config, layers);
    if (isNoLlm(choice)) throw noLlmError(choice, { unsupported: 'text', noneField: layers.length ? 'llmSettings' : null });
    if (choice.provider === 'embedded') return { kind: 'embedded', model: models.embedded ?? EMBEDDED_TEXT_MODEL };
    const model = models.model?.(choice.models) ?? this.config.openai.chatModel;
    return openAiText(this.config, { apiKey: choice.apiKey, baseURL: choice.baseURL, model });
  }

  /** Streaming chat on a chosen provider (an agent's: agents/runtime.ts applies the rule to the agent's settings). */
  forChat(choice: { provider: 'openai'; apiKey: string; baseURL: string | null } | { provider: 'embedded' }): ChatProvider {
    return choice.provider === 'openai' ? new OpenAiChat(this.config, { apiKey: choice.apiKey, baseURL: choice.baseURL }) : new EmbeddedChat();
  }
}
