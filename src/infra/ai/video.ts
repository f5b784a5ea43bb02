/**
 * The video capability of the AI provider layer: a short clip made from one
 * still image (a content item's picture).
 *
 * - `openai` (OPENAI_API_KEY set): OpenAI's video API through the SDK
 *   (`client.videos.create` with the image as `input_reference`, cropped to
 *   the clip's size; `retrieve` until it is done; `downloadContent` for the
 *   MP4). The provider's video id is handed to `onStarted` before polling, so
 *   a job that is run again after a restart resumes polling that video
 *   instead of paying for a second one.
 * - `embedded` (offline, deterministic): a slow zoom or pan over the image
 *   ("Ken Burns"), rendered in pure JavaScript as an animated GIF — an image
 *   format, not a video container, chosen because it plays in every browser
 *   and viewer without a codec. It is stored as media kind `video` with
 *   content type `image/gif` and labelled `provider: embedded, format: gif`.
 */
import { createRequire } from 'node:module';
import OpenAI, { toFile } from 'openai';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { ProviderError, providerFailure } from './openai.js';
import { clipText } from '../unicode.js';
import { openAiClient, type LlmOutboundConfig } from './client.js';
import { chooseLlm, isNoLlm } from './choice.js';
import type { OutboundPolicy } from '../safe-fetch.js';

/** The provider finished the render as failed: asking again for the same render cannot help. */
export class VideoRenderFailed extends ProviderError {
  override name = 'VideoRenderFailed';
}

export const VIDEO_MOTIONS = ['zoom-in', 'zoom-out', 'pan-left', 'pan-right'] as const;
export type VideoMotion = (typeof VIDEO_MOTIONS)[number];

export const EMBEDDED_VIDEO_MODEL = 'embedded-kenburns-v1';
/** Frames per second of the embedded animation, and its longest side in pixels. */
export const EMBEDDED_FPS = 10;
export const EMBEDDED_MAX_SIDE = 256;

export interface VideoRequest {
  image: { bytes: Buffer; contentType: string };
  /** What the clip shows (the item's caption or prompt, plus the caller's words). */
  prompt: string;
  motion: VideoMotion;
  durationSeconds: 4 | 8 | 12;
  signal?: AbortSignal;
  /** The provider's id of a render started by an earlier attempt: resume it. */
  providerVideoId?: string | null;
  /** Told the provider's id as soon as the render exists (store it to resume after a restart). */
  onStarted?(providerVideoId: string): Promise<void>;
  /** Told the provider's progress (0–100) while polling. */
  onProgress?(percent: number): Promise<void> | void;
}

export interface RenderedVideo {
  bytes: Buffer;
  /** video/mp4 from OpenAI; image/gif from the embedded renderer. */
  contentType: string;
  seconds: number;
  metadata: { provider: 'openai' | 'embedded'; model: string; [key: string]: unknown };
}

export interface VideoBackend {
  readonly name: 'openai' | 'embedded';
  readonly model: string;
  render(req: VideoRequest): Promise<RenderedVideo>;
}

export interface VideoConfig {
  openai: { apiKey: string | null; baseURL: string | null; videoModel?: string };
  embeddedAi: boolean;
  outbound: OutboundPolicy;
}

/** The server's provider (choice.ts without tenant settings: OpenAI when OPENAI_API_KEY is set, else embedded if enabled), else null. */
export function videoBackend(config: VideoConfig): VideoBackend | null {
  const choice = chooseLlm(config, []);
  if (isNoLlm(choice)) return null;
  if (choice.provider === 'openai') return new OpenAiVideo(config, { apiKey: choice.apiKey, baseURL: choice.baseURL, model: config.openai.videoModel ?? 'sora-2' });
  return new EmbeddedVideo();
}

const MOTION_WORDS: Record<VideoMotion, string> = {
  'zoom-in': 'a slow, steady camera push-in towards the subject',
  'zoom-out': 'a slow camera pull-back revealing more of the scene',
  'pan-left': 'a slow lateral camera pan from right to left',
  'pan-right': 'a slow lateral camera pan from left to right',
};

/** The prompt sent to a video model: the motion in words, then what the clip is about. */
export function videoPrompt(req: Pick<VideoRequest, 'motion' | 'prompt'>): string {
  return clipText(`Animate this photo with ${MOTION_WORDS[req.motion]}; subtle natural movement, keep the person and the composition as they are. ${req.prompt}`.trim(), 4000);
}

// --- pixels -----------------------------------------------------------------------

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a PNG or JPEG into RGBA pixels. */
export function decodeImage(bytes: Buffer, contentType: string): Rgba {
  if (contentType === 'image/png') {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
  }
  if (contentType === 'image/jpeg') {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 50, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new ProviderError(`The video renderer reads PNG and JPEG images, not ${contentType}`);
}

/** Bilinear sample of `src` over the window (x0, y0, w, h) into a new `outW`×`outH` image. */
function sample(src: Rgba, x0: number, y0: number, w: number, h: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * 4);
  const sx = w / outW;
  const sy = h / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(src.height - 1, Math.max(0, y0 + (y + 0.5) * sy - 0.5));
    const y1 = Math.floor(fy);
    const y2 = Math.min(src.height - 1, y1 + 1);
    const ty = fy - y1;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(src.width - 1, Math.max(0, x0 + (x + 0.5) * sx - 0.5));
      const x1 = Math.floor(fx);
      const x2 = Math.min(src.width - 1, x1 + 1);
      const tx = fx - x1;
      const a = (y1 * src.width + x1) * 4;
      const b = (y1 * src.width + x2) * 4;
      const c = (y2 * src.width + x1) * 4;
      const d = (y2 * src.width + x2) * 4;
      const o = (y * outW + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = src.data[a + k]! * (1 - tx) + src.data[b + k]! * tx;
        const bottom = src.data[c + k]! * (1 - tx) + src.data[d + k]! * tx;
        out[o + k] = Math.round(top * (1 - ty) + bottom * ty);
      }
    }
  }
  return out;
}

/** Crops the centre of `src` to the aspect of `w`×`h` and scales it to that size (a PNG). */
export function coverPng(src: Rgba, w: number, h: number): Buffer {
  const scale = Math.min(src.width / w, src.height / h);
  const cw = w * scale;
  const ch = h * scale;
  const png = new PNG({ width: w, height: h });
  Buffer.from(sample(src, (src.width - cw) / 2, (src.height - ch) / 2, cw, ch, w, h).buffer).copy(png.data);
  return PNG.sync.write(png);
}

// --- OpenAI -------------------------------------------------------------------------

const POLL_FIRST_MS = 1000;
const POLL_MAX_MS = 10_000;
const RENDER_DEADLINE_MS = 30 * 60_000;
const OPENAI_SIZE = { width: 720, height: 1280, param: '720x1280' as const };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(t), reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

class OpenAiVideo implements VideoBackend {
  readonly name = 'openai' as const;
  readonly model: string;
  private readonly client: OpenAI;

  constructor(config: LlmOutboundConfig, opts: { apiKey: string; baseURL: string | null; model: string }) {
    this.client = openAiClient(config, { apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 1, timeout: 120_000 });
    this.model = opts.model;
  }

  async render(req: VideoRequest): Promise<RenderedVideo> {
    const label = { request: 'video request', provider: 'video provider' };
    let id = req.providerVideoId ?? null;
    if (!id) {
      // The reference frame must have the clip's size: crop the centre and scale (PNG and JPEG; others are sent as they are).
      let frame = req.image;
      if (frame.contentType === 'image/png' || frame.contentType === 'image/jpeg') {
        frame = { bytes: coverPng(decodeImage(frame.bytes, frame.contentType), OPENAI_SIZE.width, OPENAI_SIZE.height), contentType: 'image/png' };
      }
      let created: OpenAI.Videos.Video;
      try {
        created = await this.client.videos.create(
          {
            model: this.model,
            prompt: videoPrompt(req),
            seconds: String(req.durationSeconds) as OpenAI.Videos.VideoSeconds,
            size: OPENAI_SIZE.param,
            input_reference: await toFile(frame.bytes, frame.contentType === 'image/png' ? 'frame.png' : 'frame', { type: frame.contentType }),
          },
          { signal: req.signal },
        );
      } catch (err) {
        throw providerFailure(err, label);
      }
      id = created.id;
      await req.onStarted?.(id);
    }
    const deadline = Date.now() + RENDER_DEADLINE_MS;
    let delay = POLL_FIRST_MS;
    let video: OpenAI.Videos.Video;
    for (;;) {
      try {
        video = await this.client.videos.retrieve(id, { signal: req.signal });
      } catch (err) {
        throw providerFailure(err, label);
      }
      if (video.status === 'completed') break;
      if (video.status === 'failed') {
        // The provider's own words stay out (they may echo the prompt); its error code is safe to show.
        const code = video.error?.code && /^[a-z0-9_.-]{1,64}$/i.test(video.error.code) ? ` (${video.error.code})` : '';
        throw new VideoRenderFailed(`The video provider could not render the video${code}`);
      }
      await req.onProgress?.(Math.max(0, Math.min(100, Math.round(video.progress ?? 0))));
      if (Date.now() > deadline) throw new ProviderError('The video provider did not finish within 30 minutes');
      await sleep(delay, req.signal);
      delay = Math.min(POLL_MAX_MS, delay * 2);
    }
    let bytes: Buffer;
    try {
      const res = await this.client.videos.downloadContent(id, { variant: 'video' }, { signal: req.signal });
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw providerFailure(err, label);
    }
    const seconds = Number(video.seconds) || req.durationSeconds;
    return {
      bytes,
      contentType: 'video/mp4',
      seconds,
      metadata: { provider: 'openai', model: video.model || this.model, providerVideoId: id, size: video.size, seconds, motion: req.motion, format: 'mp4' },
    };
  }
}

// --- embedded: Ken Burns as an animated GIF --------------------------------------------

interface GifEncoder {
  writeFrame(index: Uint8Array, width: number, height: number, opts: { palette?: number[][]; delay?: number; repeat?: number }): void;
  finish(): void;
  bytes(): Uint8Array;
}
interface Gifenc {
  GIFEncoder(): GifEncoder;
  quantize(rgba: Uint8Array, maxColors: number, opts?: { format?: 'rgb565' | 'rgb444' | 'rgba4444' }): number[][];
  applyPalette(rgba: Uint8Array, palette: number[][], format?: 'rgb565' | 'rgb444' | 'rgba4444'): Uint8Array;
}
// gifenc ships CommonJS without types: load it through require with the part of its API used here.
const gifenc = createRequire(import.meta.url)('gifenc') as Gifenc;

const smooth = (t: number) => t * t * (3 - 2 * t);

/** The source window of frame `t` (0–1) of a motion: a zoom between 100 % and 78 % of the picture, or a pan across 80 % of it. */
function windowAt(motion: VideoMotion, t: number, w: number, h: number): { x: number; y: number; w: number; h: number } {
  const e = smooth(t);
  if (motion === 'zoom-in' || motion === 'zoom-out') {
    const s = motion === 'zoom-in' ? 1 - 0.22 * e : 0.78 + 0.22 * e;
    return { x: ((1 - s) * w) / 2, y: ((1 - s) * h) / 2 * 0.8, w: s * w, h: s * h };
  }
  const s = 0.8;
  const travel = (1 - s) * w;
  const x = motion === 'pan-right' ? travel * e : travel * (1 - e);
  return { x, y: ((1 - s) * h) / 2, w: s * w, h: s * h };
}

/** Renders the animation: deterministic (same image and parameters, same bytes). */
export function renderKenBurnsGif(src: Rgba, motion: VideoMotion, durationSeconds: number): { bytes: Buffer; width: number; height: number; frames: number } {
  const scale = Math.min(1, EMBEDDED_MAX_SIDE / Math.max(src.width, src.height));
  const width = Math.max(2, Math.round(src.width * scale));
  const height = Math.max(2, Math.round(src.height * scale));
  const frames = Math.max(2, Math.round(durationSeconds * EMBEDDED_FPS));
  // One palette for the whole clip, from the whole picture: every frame shows a part of it.
  const palette = gifenc.quantize(sample(src, 0, 0, src.width, src.height, width, height), 256);
  const gif = gifenc.GIFEncoder();
  for (let i = 0; i < frames; i++) {
    const win = windowAt(motion, i / (frames - 1), src.width, src.height);
    const rgba = sample(src, win.x, win.y, win.w, win.h, width, height);
    const index = gifenc.applyPalette(rgba, palette);
    gif.writeFrame(index, width, height, i === 0 ? { palette, delay: 1000 / EMBEDDED_FPS, repeat: 0 } : { delay: 1000 / EMBEDDED_FPS });
  }
  gif.finish();
  return { bytes: Buffer.from(gif.bytes()), width, height, frames };
}

class EmbeddedVideo implements VideoBackend {
  readonly name = 'embedded' as const;
  readonly model = EMBEDDED_VIDEO_MODEL;

  async render(req: VideoRequest): Promise<RenderedVideo> {
    const src = decodeImage(req.image.bytes, req.image.contentType);
    const gif = renderKenBurnsGif(src, req.motion, req.durationSeconds);
    return {
      bytes: gif.bytes,
      contentType: 'image/gif',
      seconds: req.durationSeconds,
      metadata: {
        provider: 'embedded',
        model: EMBEDDED_VIDEO_MODEL,
        format: 'gif',
        motion: req.motion,
        seconds: req.durationSeconds,
        fps: EMBEDDED_FPS,
        frames: gif.frames,
        width: gif.width,
        height: gif.height,
        note: 'Rendered offline by personagraph’s embedded provider: an animated GIF of a slow zoom or pan over the image. Configure OpenAI for generated MP4 video.',
      },
    };
  }
}
